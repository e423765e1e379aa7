//! Queue management on SQS, Horizon's view for operators: stats from SQS and the worker's job metrics
//! (`queue_stats`, `queue_overview`), worker limits that follow the backlog (`autoscale_workers`), failed
//! jobs moved back to work (`retry_failed`) and old dead letters cleared (`maintenance`). Both work through the `JobQueue` port only — receive, send,
//! delete — so they run on every SQS implementation (and in memory), not on SQS's own redrive API.

pub mod autoscale;
pub mod cached;
pub mod endpoints;
pub mod health;
mod maintenance;
pub mod metrics;
#[cfg(feature = "openapi")]
pub mod openapi;
mod requests;
mod retry;
mod scaling;
pub mod scheduled;
mod stats;
pub mod worker;

pub use maintenance::{DeletedMessage, MaintenanceReport, QueueMaintenance, maintenance};
pub use requests::{RETRY_DEFAULT_LIMIT, RETRY_MAX_LIMIT, failed_filter, retry_request};
pub use retry::{RetryOutcome, RetryReport, RetryResult, retry_failed};
pub use scaling::{AppliedDecision, AutoscaleRun, autoscale_workers};
pub use stats::{QueueOverview, QueueStats, QueueStatsReport, queue_overview, queue_stats, recommendations};

use proxy_core::domain::{FailedJob, Job};
use proxy_core::error::PortError;
use proxy_core::ports::table::Cursor;
use serde::Serialize;
use std::time::Duration;
use store::FailedJobFilter;

platform::env!(
    /// What the queue service needs: the clock, the repositories (failed jobs, runs), the queues, the cache (job metrics), the worker pool and the cache of views (the overview).
    QueuesEnv: platform::deps::HasClock, platform::deps::HasStores, platform::deps::HasQueue, platform::deps::HasCache, platform::deps::HasWorkers, platform::deps::HasJobTypes, cache::HasTieredCache
);

/// A page of jobs that failed their last attempt, newest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailedJobPage {
    pub failed_jobs: Vec<FailedJob>,
    pub next_cursor: Option<String>,
}

pub async fn failed_jobs(
    ctx: &impl QueuesEnv,
    filter: &FailedJobFilter,
    limit: usize,
    after: Option<Cursor>,
) -> Result<FailedJobPage, PortError> {
    let (failed_jobs, next) = ctx.stores().failed_jobs.dead(filter, limit, after).await?;
    Ok(FailedJobPage { failed_jobs, next_cursor: next.as_ref().map(Cursor::token) })
}

/// How long a dead letter being looked at stays hidden from another run: long enough for a send and a delete.
const LOOK_VISIBILITY: Duration = Duration::from_secs(60);
/// Long polling for the dead-letter queues: SQS's short polling may answer "empty" while messages remain.
const LOOK_WAIT: Duration = Duration::from_secs(1);

/// The job a message body carries, when it is one.
fn job_of(body: &str) -> Option<Job> {
    serde_json::from_str(body).ok()
}
