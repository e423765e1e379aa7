//! `autoscale_workers` (the `queue-autoscale` schedule, every 5 minutes): reads the stats, decides each
//! queue's worker limit (`autoscale::decide`), applies the changes to the worker pool and archives the run
//! with every decision's inputs, applied or not, so an operator can see why the limit moved.

use super::QueuesEnv;
use super::autoscale::ScalingDecision;
use super::stats::{queue_stats, recommendations};
use chrono::{DateTime, Utc};
use proxy_core::domain::Priority;
use proxy_core::error::PortError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppliedDecision {
    #[serde(flatten)]
    pub decision: ScalingDecision,
    /// The limit was changed to `desired`.
    pub applied: bool,
    /// Why applying failed; the next run tries again.
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutoscaleRun {
    pub ran_at: DateTime<Utc>,
    pub decisions: Vec<AppliedDecision>,
    /// Queues without a worker limit to move: no event source mapping configured, or the mapping disabled.
    pub skipped: Vec<Priority>,
    /// Queues whose limit could not be read, with why: a failure of the run, not a skip.
    #[serde(default)]
    pub unreadable: Vec<(Priority, String)>,
}

impl store::RunReport for AutoscaleRun {
    fn ran_at(&self) -> DateTime<Utc> {
        self.ran_at
    }
}

pub async fn autoscale_workers(ctx: &impl QueuesEnv) -> Result<AutoscaleRun, PortError> {
    let stats = queue_stats(ctx).await?;
    let mut run =
        AutoscaleRun { ran_at: stats.generated_at, decisions: Vec::new(), skipped: Vec::new(), unreadable: Vec::new() };
    run.unreadable = stats.queues.iter().filter_map(|q| Some((q.queue, q.max_concurrency_error.clone()?))).collect();
    run.skipped = stats
        .queues
        .iter()
        .filter(|q| q.scaling_inputs().is_none() && q.max_concurrency_error.is_none())
        .map(|q| q.queue)
        .collect();
    for decision in recommendations(&stats) {
        let (applied, error) = if decision.changes() {
            match ctx.workers().set_max_concurrency(decision.inputs.queue, decision.desired).await {
                Ok(()) => (true, None),
                Err(e) => {
                    tracing::warn!(queue = decision.inputs.queue.as_str(), error = %e, "worker limit not changed");
                    (false, Some(e.to_string()))
                }
            }
        } else {
            (false, None)
        };
        if applied {
            tracing::info!(
                queue = decision.inputs.queue.as_str(),
                from = decision.inputs.current,
                to = decision.desired,
                reason = decision.reason,
                "worker limit changed"
            );
        }
        run.decisions.push(AppliedDecision { decision, applied, error });
    }
    ctx.stores().queue_runs.archive_autoscale(&run).await?;
    crate::cached::queues_changed(ctx).await;
    Ok(run)
}
