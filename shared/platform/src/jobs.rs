//! Sending background jobs (`dispatch`), and how a job's work says it failed (`JobError`). Services use this to
//! hand work to the queue worker; the worker (`shared::worker`), which runs the jobs, sits above the contexts.

use proxy_core::clock::Clock;
use proxy_core::domain::{Job, JobId, Priority};
use proxy_core::error::{Backend, PortError, PortResult};
use proxy_core::ports::{JobQueue, QueueRef};

/// Sends a job of `job_type` with its typed `payload` (the struct its handler reads) to the queue of `priority`;
/// returns the job as sent (its id names it in logs and in the worker's claims).
pub async fn dispatch(
    queue: &dyn JobQueue,
    clock: &dyn Clock,
    job_type: &str,
    payload: &impl serde::Serialize,
    priority: Priority,
) -> PortResult<Job> {
    dispatch_as(queue, clock, JobId::generate(), job_type, payload, priority).await
}

/// `dispatch` under a given job id. A job whose id is derived from what it is about (e.g. the order it
/// provisions) can be sent again when it is unknown whether the first send happened: it still takes effect
/// once (by the worker's claim on the job id, or by the job's own conditional write: `RunOnce`).
pub async fn dispatch_as(
    queue: &dyn JobQueue,
    clock: &dyn Clock,
    id: JobId,
    job_type: &str,
    payload: &impl serde::Serialize,
    priority: Priority,
) -> PortResult<Job> {
    let invalid = |e: serde_json::Error| PortError::Invalid { backend: Backend::Queue, detail: e.to_string() };
    let payload = serde_json::to_value(payload).map_err(invalid)?;
    let job = Job { id, job_type: job_type.to_owned(), payload, dispatched_at: clock.now(), requeued_at: None };
    let body = serde_json::to_string(&job).map_err(invalid)?;
    let message_id = queue.send(QueueRef::Main(priority), &body, None).await?;
    tracing::info!(job_id = %job.id, job_type, queue = priority.as_str(), message_id, "job dispatched");
    Ok(job)
}

/// Why a job failed. Every failure is retried by the queue (up to its receive limit, then dead-lettered).
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("invalid payload: {0}")]
    InvalidPayload(String),
    #[error(transparent)]
    Backend(#[from] PortError),
}
