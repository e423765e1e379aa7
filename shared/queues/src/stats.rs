//! `queue_stats`: Horizon's tiles per queue — what SQS says (visible, in flight, delayed, dead letters), the
//! worker's limit, and the worker's own job metrics — plus `queue_overview`, which adds health, scaling
//! recommendations, the latest failed jobs and autoscale runs for `GET /admin/system/queue`. One stats read is 10 queue
//! attribute calls, 5 worker-limit reads and 1 cache read, all concurrent.

use super::QueuesEnv;
use super::autoscale::{ScalingBounds, ScalingDecision, ScalingInputs, decide};
use super::health::{HealthReport, QueueSnapshot, QueueThresholds, health_report};
use super::metrics::{self, JobTypeMetrics, QueueMetrics};
use super::scaling::AutoscaleRun;
use chrono::{DateTime, Utc};
use futures_util::future::{join, try_join_all};
use proxy_core::domain::{FailedJob, Priority};
use proxy_core::error::PortError;
use proxy_core::ports::QueueRef;
use serde::Serialize;
use std::time::Duration;
use store::FailedJobFilter;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueStats {
    pub queue: Priority,
    pub visible: u64,
    pub in_flight: u64,
    pub delayed: u64,
    pub dead_letters: u64,
    /// The most workers allowed at once (the event source mapping's limit, 0 when it is disabled); None when
    /// unknown, unreadable or unlimited.
    pub max_concurrency: Option<u32>,
    /// Why the limit could not be read (the worker pool's API unreachable or refusing): not the same as having
    /// none, and autoscaling reports it as a failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_concurrency_error: Option<String>,
    /// The worker's job metrics; None when the cache could not be read.
    pub metrics: Option<QueueMetrics>,
    /// Horizon's wait: jobs ready x average runtime / workers; None without a runtime or a limit.
    pub wait_seconds: Option<f64>,
}

impl QueueStats {
    pub fn average_runtime(&self) -> Option<Duration> {
        let ms = self.metrics.as_ref()?.average_runtime_ms?;
        Some(Duration::from_secs_f64(ms.max(0.0) / 1000.0))
    }

    /// What `queue_health` judges.
    pub fn snapshot(&self) -> QueueSnapshot {
        QueueSnapshot {
            queue: self.queue,
            visible: self.visible,
            in_flight: self.in_flight,
            delayed: self.delayed,
            dead_letters: self.dead_letters,
            longest_recent_wait: self
                .metrics
                .as_ref()
                .and_then(|m| m.longest_wait_seconds)
                .map(|s| Duration::from_secs_f64(s.max(0.0))),
            recent_jobs: self.metrics.as_ref().map(|m| m.recent_jobs),
            max_concurrency: self.max_concurrency,
            jobs_past_hour: self.metrics.as_ref().map(|m| m.jobs_past_hour),
            failed_past_hour: self.metrics.as_ref().map(|m| m.failed_past_hour),
        }
    }

    /// `decide`'s inputs; None when the queue has no worker limit to move, or its worker is stopped (an
    /// operator's decision, not the autoscaler's to undo).
    pub fn scaling_inputs(&self) -> Option<ScalingInputs> {
        if self.max_concurrency == Some(0) {
            return None;
        }
        Some(ScalingInputs {
            queue: self.queue,
            pending: self.visible + self.in_flight,
            average_runtime: self.average_runtime(),
            current: self.max_concurrency?,
        })
    }
}

/// Every queue together: Horizon's tiles.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct QueueTotals {
    /// Ready to run (not in flight, not delayed).
    pub waiting: u64,
    pub delayed: u64,
    pub in_flight: u64,
    pub dead_letters: u64,
    pub jobs_per_minute: f64,
    pub jobs_past_hour: u64,
    pub failed_past_7_days: u64,
    /// The longest any recent job waited, on any queue; None without recent jobs (or metrics).
    pub longest_wait_seconds: Option<f64>,
}

impl QueueTotals {
    pub fn of(queues: &[QueueStats]) -> QueueTotals {
        let mut totals = QueueTotals::default();
        for q in queues {
            totals.waiting += q.visible;
            totals.delayed += q.delayed;
            totals.in_flight += q.in_flight;
            totals.dead_letters += q.dead_letters;
            if let Some(m) = &q.metrics {
                totals.jobs_per_minute += m.jobs_per_minute;
                totals.jobs_past_hour += m.jobs_past_hour;
                totals.failed_past_7_days += m.failed_past_7_days;
                totals.longest_wait_seconds = match (totals.longest_wait_seconds, m.longest_wait_seconds) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    (a, b) => a.or(b),
                };
            }
        }
        totals
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueStatsReport {
    pub generated_at: DateTime<Utc>,
    pub queues: Vec<QueueStats>,
    pub totals: QueueTotals,
    /// Per job type over the past hour; empty when the cache could not be read.
    pub job_types: Vec<JobTypeMetrics>,
}

pub async fn queue_stats(ctx: &impl QueuesEnv) -> Result<QueueStatsReport, PortError> {
    let now = ctx.clock().now();
    let job_types = ctx.job_types();
    let per_queue = try_join_all(Priority::ALL.into_iter().map(|queue| async move {
        let (main, dead) =
            join(ctx.queue().attributes(QueueRef::Main(queue)), ctx.queue().attributes(QueueRef::DeadLetter(queue)))
                .await;
        // An unreadable limit is shown as unknown, with why, rather than failing the whole view.
        let limit = ctx.workers().max_concurrency(queue).await.map_err(|error| {
            tracing::warn!(queue = queue.as_str(), %error, "worker limit not readable");
            error.to_string()
        });
        Ok::<_, PortError>((queue, main?, dead?, limit))
    }));
    let (per_queue, summary) = join(per_queue, metrics::summary(ctx.cache(), &job_types, now)).await;
    let mut summary =
        summary.inspect_err(|error| tracing::warn!(%error, "job metrics unavailable; queue stats without them")).ok();
    let queues: Vec<QueueStats> = per_queue?
        .into_iter()
        .map(|(queue, main, dead, limit)| {
            let (max_concurrency, max_concurrency_error) = match limit {
                Ok(limit) => (limit, None),
                Err(error) => (None, Some(error)),
            };
            let metrics = summary.as_mut().and_then(|s| s.queues.remove(&queue));
            let runtime = metrics.as_ref().and_then(|m| m.average_runtime_ms);
            let wait_seconds = match (runtime, max_concurrency) {
                (Some(ms), Some(workers)) if workers > 0 => {
                    Some(main.visible as f64 * ms / 1000.0 / f64::from(workers))
                }
                _ => None,
            };
            QueueStats {
                queue,
                visible: main.visible,
                in_flight: main.in_flight,
                delayed: main.delayed,
                dead_letters: dead.visible + dead.in_flight + dead.delayed,
                max_concurrency,
                max_concurrency_error,
                metrics,
                wait_seconds,
            }
        })
        .collect();
    let totals = QueueTotals::of(&queues);
    Ok(QueueStatsReport {
        generated_at: now,
        queues,
        totals,
        job_types: summary.map(|s| s.job_types).unwrap_or_default(),
    })
}

/// What `GET /admin/system/queue` shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueOverview {
    pub stats: QueueStatsReport,
    pub health: HealthReport,
    /// What `queue-autoscale` would do now (it applies the changing ones every 5 minutes).
    pub scaling: Vec<ScalingDecision>,
    /// The latest jobs that failed their last attempt.
    pub recent_failed_jobs: Vec<FailedJob>,
    /// The latest `queue-autoscale` runs: what was changed, from which inputs, and why.
    pub recent_autoscale_runs: Vec<AutoscaleRun>,
}

/// Failed jobs shown on the overview; the full list is `GET /admin/system/queue/failed`.
const RECENT_FAILED: usize = 10;
/// Autoscale runs shown on the overview: the last half hour.
const RECENT_AUTOSCALE_RUNS: usize = 6;

pub async fn queue_overview(ctx: &impl QueuesEnv) -> Result<QueueOverview, PortError> {
    let ((stats, failed), runs) = join(
        join(queue_stats(ctx), ctx.stores().failed_jobs.dead(&FailedJobFilter::default(), RECENT_FAILED, None)),
        ctx.stores().queue_runs.recent_autoscale::<AutoscaleRun>(RECENT_AUTOSCALE_RUNS),
    )
    .await;
    let stats = stats?;
    let snapshots: Vec<QueueSnapshot> = stats.queues.iter().map(QueueStats::snapshot).collect();
    let health = health_report(&snapshots, &QueueThresholds::default());
    let scaling = recommendations(&stats);
    Ok(QueueOverview { stats, health, scaling, recent_failed_jobs: failed?.0, recent_autoscale_runs: runs? })
}

/// The scaling decision for every queue with a worker limit.
pub fn recommendations(stats: &QueueStatsReport) -> Vec<ScalingDecision> {
    stats
        .queues
        .iter()
        .filter_map(|q| q.scaling_inputs().map(|inputs| decide(inputs, &ScalingBounds::for_queue(q.queue))))
        .collect()
}
