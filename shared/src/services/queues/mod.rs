//! Queue management on SQS, Horizon's view for operators: failed jobs moved back to work (`retry_failed`) and
//! old dead letters cleared (`maintenance`). Both work through the `JobQueue` port only — receive, send,
//! delete — so they run on every SQS implementation (and in memory), not on SQS's own redrive API.

mod maintenance;
mod retry;

pub use maintenance::{DeletedMessage, MaintenanceReport, QueueMaintenance, maintenance};
pub use retry::{RetryOutcome, RetryReport, RetryResult, retry_failed};

use crate::domain::Job;
use std::time::Duration;

/// How long a dead letter being looked at stays hidden from another run: long enough for a send and a delete.
const LOOK_VISIBILITY: Duration = Duration::from_secs(60);
/// Long polling for the dead-letter queues: SQS's short polling may answer "empty" while messages remain.
const LOOK_WAIT: Duration = Duration::from_secs(1);

/// The job a message body carries, when it is one.
fn job_of(body: &str) -> Option<Job> {
    serde_json::from_str(body).ok()
}
