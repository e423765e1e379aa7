//! `autoscale_workers`' decision: the concurrency a queue's backlog and job runtime call for, within bounds.
//! Workers are Lambda instances on the queue's event source mapping, so the lever is its `MaximumConcurrency`
//! (2..=1000 in AWS). The desired concurrency drains the backlog within `drain_within` at the observed average
//! runtime — Horizon's wait-time formula (pending x average runtime / workers) solved for workers — and moves
//! by at most `max_step` per decision so one burst does not swing it. Pure: recorded and applied elsewhere.

use proxy_core::domain::Priority;
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScalingBounds {
    pub min: u32,
    pub max: u32,
    /// The largest change one decision makes.
    pub max_step: u32,
    /// How quickly the backlog should be gone at the chosen concurrency.
    pub drain_within: Duration,
}

impl Default for ScalingBounds {
    fn default() -> Self {
        // 2 is the least an SQS event source mapping accepts; 10 was the original's ceiling per queue.
        ScalingBounds { min: 2, max: 10, max_step: 3, drain_within: Duration::from_secs(60) }
    }
}

impl ScalingBounds {
    /// The bounds of each queue: `high` (customers' orders) may grow furthest and fastest, `notifications`
    /// further than the background queues.
    pub fn for_queue(queue: Priority) -> Self {
        match queue {
            Priority::High => ScalingBounds { max: 50, max_step: 10, ..Self::default() },
            Priority::Notifications => ScalingBounds { max: 20, max_step: 5, ..Self::default() },
            Priority::Default | Priority::Low | Priority::Analytics => Self::default(),
        }
    }
}

/// The inputs of one decision, recorded with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScalingInputs {
    pub queue: Priority,
    /// Waiting and running jobs.
    pub pending: u64,
    /// Average runtime of the queue's jobs lately; None when nothing ran (then the backlog alone decides).
    pub average_runtime: Option<Duration>,
    pub current: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScalingDecision {
    pub inputs: ScalingInputs,
    pub desired: u32,
    /// Seconds the pending jobs (ready and running) would take at the current concurrency.
    pub drain_seconds: Option<f64>,
    pub reason: String,
}

impl ScalingDecision {
    pub fn changes(&self) -> bool {
        self.desired != self.inputs.current
    }
}

pub fn decide(inputs: ScalingInputs, bounds: &ScalingBounds) -> ScalingDecision {
    let runtime = inputs.average_runtime.map(|r| r.as_secs_f64()).filter(|r| *r > 0.0);
    let drain_seconds = runtime.map(|r| inputs.pending as f64 * r / f64::from(inputs.current.max(1)));
    // Workers needed to finish the backlog within the window; with no runtime known, one per job (a batch of 10
    // is what each invocation takes at most) as a cautious guess.
    let needed = match runtime {
        Some(r) => (inputs.pending as f64 * r / bounds.drain_within.as_secs_f64().max(1.0)).ceil() as u64,
        None => inputs.pending.div_ceil(10),
    };
    let target = needed.clamp(u64::from(bounds.min), u64::from(bounds.max)) as u32;
    let step = bounds.max_step.max(1);
    let desired = if target > inputs.current {
        target.min(inputs.current.saturating_add(step))
    } else {
        target.max(inputs.current.saturating_sub(step))
    }
    .clamp(bounds.min, bounds.max);
    let reason = match desired.cmp(&inputs.current) {
        std::cmp::Ordering::Greater => format!(
            "{} pending need {needed} workers to drain within {} s: up from {} (at most {} per step)",
            inputs.pending,
            bounds.drain_within.as_secs(),
            inputs.current,
            step
        ),
        std::cmp::Ordering::Less => {
            format!("{} pending need {needed} workers: down from {} to {desired}", inputs.pending, inputs.current)
        }
        std::cmp::Ordering::Equal => format!("{} pending: {desired} workers are right", inputs.pending),
    };
    ScalingDecision { inputs, desired, drain_seconds, reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(pending: u64, runtime_ms: Option<u64>, current: u32) -> ScalingInputs {
        ScalingInputs {
            queue: Priority::Default,
            pending,
            average_runtime: runtime_ms.map(Duration::from_millis),
            current,
        }
    }

    fn desired(pending: u64, runtime_ms: Option<u64>, current: u32) -> u32 {
        decide(inputs(pending, runtime_ms, current), &ScalingBounds::default()).desired
    }

    #[test]
    fn the_backlog_and_runtime_set_the_target_within_bounds() {
        // 600 jobs of 1 s in 60 s: 10 workers; from 5, one step of 3.
        assert_eq!(desired(600, Some(1000), 5), 8);
        assert_eq!(desired(600, Some(1000), 8), 10);
        assert_eq!(desired(6000, Some(1000), 10), 10, "never above the maximum");
        // 120 jobs of 1 s: exactly 2 workers.
        assert_eq!(desired(120, Some(1000), 2), 2);
        assert_eq!(desired(121, Some(1000), 2), 3, "one job more needs a third worker");
    }

    #[test]
    fn an_idle_queue_steps_down_to_the_minimum() {
        assert_eq!(desired(0, Some(1000), 10), 7);
        assert_eq!(desired(0, Some(1000), 3), 2);
        assert_eq!(desired(0, None, 2), 2, "never below the minimum");
        assert!(!decide(inputs(0, None, 2), &ScalingBounds::default()).changes());
    }

    #[test]
    fn without_a_runtime_the_backlog_decides_and_the_wait_is_unknown() {
        let d = decide(inputs(55, None, 2), &ScalingBounds::default());
        assert_eq!((d.desired, d.drain_seconds), (5, None), "one worker per batch of 10, stepped");
        assert_eq!(desired(55, Some(0), 2), 5, "a zero runtime is no runtime");
    }

    #[test]
    fn the_drain_time_is_horizons_formula_and_the_decision_keeps_its_inputs() {
        let d = decide(inputs(300, Some(500), 5), &ScalingBounds::default());
        assert_eq!(d.drain_seconds, Some(30.0), "300 x 0.5 s / 5");
        assert_eq!(d.inputs, inputs(300, Some(500), 5));
        assert!(d.reason.contains("300 pending"), "{}", d.reason);
    }

    #[test]
    fn bounds_are_configuration() {
        let bounds = ScalingBounds { min: 1, max: 100, max_step: 50, drain_within: Duration::from_secs(10) };
        // 1000 jobs of 0.5 s in 10 s: 50 workers, reached in one step from 1.
        assert_eq!(decide(inputs(1000, Some(500), 1), &bounds).desired, 50);
    }
}
