//! Background jobs: sending them (`dispatch`), and what runs them — a `JobHandler` per job type, written in the
//! context that owns the job, and the `JobRegistry` the worker (`queues::worker`) looks them up in. `C` is
//! whatever gives the handlers their dependencies (the application, at the top).

use proxy_core::clock::Clock;
use proxy_core::domain::{Job, JobId, Priority};
use proxy_core::error::{Backend, PortError, PortResult};
use proxy_core::ports::{JobQueue, QueueRef};
use std::collections::HashMap;
use std::sync::Arc;

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
    send(queue, clock, id, job_type, payload, priority, None).await
}

/// `dispatch_as`, run no sooner than `delay` from now (SQS holds it; at most 15 minutes).
pub async fn dispatch_later_as(
    queue: &dyn JobQueue,
    clock: &dyn Clock,
    id: JobId,
    job_type: &str,
    payload: &impl serde::Serialize,
    priority: Priority,
    delay: std::time::Duration,
) -> PortResult<Job> {
    send(queue, clock, id, job_type, payload, priority, Some(delay.min(MAX_DELAY))).await
}

/// The longest SQS holds a message back.
pub const MAX_DELAY: std::time::Duration = std::time::Duration::from_secs(900);

async fn send(
    queue: &dyn JobQueue,
    clock: &dyn Clock,
    id: JobId,
    job_type: &str,
    payload: &impl serde::Serialize,
    priority: Priority,
    delay: Option<std::time::Duration>,
) -> PortResult<Job> {
    let invalid = |e: serde_json::Error| PortError::Invalid { backend: Backend::Queue, detail: e.to_string() };
    let payload = serde_json::to_value(payload).map_err(invalid)?;
    // A delayed job is dispatched for when it may run: the wait the worker measures (and the queue health judges)
    // starts then, not while SQS held it back on purpose.
    let ready_at = clock.now() + delay.and_then(|d| chrono::Duration::from_std(d).ok()).unwrap_or_default();
    let job = Job { id, job_type: job_type.to_owned(), payload, dispatched_at: ready_at, requeued_at: None };
    let body = serde_json::to_string(&job).map_err(invalid)?;
    let message_id = queue.send(QueueRef::Main(priority), &body, delay).await?;
    let delay_s = delay.map_or(0, |d| d.as_secs());
    tracing::info!(job_id = %job.id, job_type, queue = priority.as_str(), message_id, delay_s, "job dispatched");
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

/// A job's typed payload, read back as the struct it was dispatched as.
pub fn payload<T: serde::de::DeserializeOwned>(job: &Job) -> Result<T, JobError> {
    serde_json::from_value(job.payload.clone()).map_err(|e| JobError::InvalidPayload(e.to_string()))
}

/// How a job is kept from taking effect twice when SQS delivers it again (it delivers at least once).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOnce {
    /// The worker claims the job before running it (a lease in the store) and marks it done after: for effects
    /// outside the store (a panel call) or spread over several writes. Two store writes besides the effect.
    Claimed,
    /// The job's effect is one conditional store write that does nothing the second time (keyed by the job or
    /// by what it is about): the worker runs it without a claim, so that write is the job's only one. A
    /// redelivery runs it again harmlessly and is reported `Done`.
    ByItsEffect,
}

/// Runs the jobs of one type with the dependencies `C` gives it.
#[async_trait::async_trait]
pub trait JobHandler<C: Sync>: Send + Sync {
    /// How redeliveries are kept from doing the work twice; claimed unless the handler says otherwise.
    fn run_once(&self) -> RunOnce {
        RunOnce::Claimed
    }

    /// Runs the job. `attempt` counts deliveries from 1; the queue gives up (dead-letters the message) after
    /// `MAX_RECEIVE_COUNT`, so a handler can tell its last chance.
    async fn handle(&self, ctx: &C, job: &Job, attempt: u32) -> Result<(), JobError>;
}

/// Job type -> handler.
pub struct JobRegistry<C> {
    handlers: HashMap<&'static str, Arc<dyn JobHandler<C>>>,
}

impl<C> Default for JobRegistry<C> {
    fn default() -> Self {
        Self { handlers: HashMap::new() }
    }
}

impl<C> Clone for JobRegistry<C> {
    fn clone(&self) -> Self {
        Self { handlers: self.handlers.clone() }
    }
}

impl<C: Sync> JobRegistry<C> {
    pub fn register(&mut self, job_type: &'static str, handler: impl JobHandler<C> + 'static) -> &mut Self {
        self.handlers.insert(job_type, Arc::new(handler));
        self
    }

    pub fn get(&self, job_type: &str) -> Option<&Arc<dyn JobHandler<C>>> {
        self.handlers.get(job_type)
    }

    /// Every registered job type, sorted.
    pub fn job_types(&self) -> Vec<&'static str> {
        let mut types: Vec<&'static str> = self.handlers.keys().copied().collect();
        types.sort_unstable();
        types
    }
}
