use super::WorkerEnv;
use crate::metrics::{self, JobSample, SampleOutcome};
use futures_util::future::join_all;
use platform::jobs::{JobRegistry, RunOnce};
use proxy_core::domain::{Job, Priority};
use proxy_core::ports::queue::MAX_RECEIVE_COUNT;
use std::time::Duration;
use store::{Claim, Failure};

/// How long a claim protects a running job from a second delivery. Longer than the worker function's timeout
/// (30 s), so a job still running is never taken over; shorter than the queues' visibility timeout (180 s), so
/// the delivery that follows a worker that died mid-job takes the job over and runs it — a longer lease would
/// meet that delivery, and the ones after it, still held, and send the job to the dead-letter queue unrun.
/// (`deployment.rs` holds the template to both.)
pub const LEASE: Duration = Duration::from_secs(60);
/// How long a finished job's record is kept: longer than SQS can hold or redrive a message (14 days).
const KEEP: Duration = Duration::from_secs(15 * 24 * 3600);

/// A message as the worker sees it, whatever delivered it (a Lambda SQS event or the local poller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingMessage {
    pub message_id: String,
    pub body: String,
    /// Deliveries so far, this one included (SQS's ApproximateReceiveCount).
    pub receive_count: u32,
    /// The priority queue it was delivered from, when the delivery says.
    pub queue: Option<Priority>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageOutcome {
    Done,
    /// Delivered before and already done: acknowledged without running again.
    Duplicate,
    Failed(String),
}

impl MessageOutcome {
    pub fn is_failure(&self) -> bool {
        matches!(self, MessageOutcome::Failed(_))
    }
}

/// Runs every message of a batch (concurrently) and says what became of each, in order. The jobs that ran
/// are counted in the job metrics (one cache round trip for the batch) and logged as embedded metrics.
pub async fn process_batch<C: WorkerEnv + Sync>(
    ctx: &C,
    registry: &JobRegistry<C>,
    messages: &[IncomingMessage],
) -> Vec<MessageOutcome> {
    let results = join_all(messages.iter().map(|m| process_one(ctx, registry, m))).await;
    let samples: Vec<JobSample> = results.iter().filter_map(|(_, sample)| sample.clone()).collect();
    let now = ctx.clock().now();
    metrics::record(ctx.cache(), &samples, now).await;
    platform::request_metrics::record_store_throttles(ctx.cache(), ctx.stores().take_throttled(), now).await;
    platform::telemetry::publish_embedded_metrics(&metrics::emf_lines(&samples, now));
    results.into_iter().map(|(outcome, _)| outcome).collect()
}

async fn process_one<C: WorkerEnv + Sync>(
    ctx: &C,
    registry: &JobRegistry<C>,
    message: &IncomingMessage,
) -> (MessageOutcome, Option<JobSample>) {
    let started = std::time::Instant::now();
    let start_time = ctx.clock().now();
    let parsed: Result<Job, serde_json::Error> = serde_json::from_str(&message.body);
    let job = parsed.as_ref().ok();
    let outcome = run(ctx, registry, message, parsed.as_ref()).await;
    match &outcome {
        MessageOutcome::Failed(reason) => {
            tracing::error!(message_id = message.message_id, reason, "job failed");
            record_failure(ctx, message, job, reason).await;
        }
        MessageOutcome::Duplicate => tracing::info!(message_id = message.message_id, "duplicate delivery skipped"),
        MessageOutcome::Done => {}
    }
    let sample = match &outcome {
        // Acknowledged without running: not a job run.
        MessageOutcome::Duplicate => None,
        MessageOutcome::Done | MessageOutcome::Failed(_) => Some(JobSample {
            queue: message.queue,
            job_type: job.map_or("unknown", |j| j.job_type.as_str()).to_owned(),
            runtime: started.elapsed(),
            waited: job
                .filter(|_| message.receive_count <= 1)
                .and_then(|j| (start_time - j.requeued_at.unwrap_or(j.dispatched_at)).to_std().ok()),
            outcome: if outcome.is_failure() {
                SampleOutcome::Failed { dead: message.receive_count >= MAX_RECEIVE_COUNT }
            } else {
                SampleOutcome::Done
            },
        }),
    };
    (outcome, sample)
}

/// Keeps the failed attempt for the operator (`FailedJobStore`). The message is retried or dead-lettered by SQS
/// whatever happens here, so a store error is only logged.
async fn record_failure(ctx: &impl WorkerEnv, message: &IncomingMessage, job: Option<&Job>, reason: &str) {
    let fallback_id = format!("message:{}", message.message_id);
    let failure = Failure {
        job_id: job.map(|j| j.id.as_str()).unwrap_or(&fallback_id),
        job_type: job.map(|j| j.job_type.as_str()).unwrap_or("unknown"),
        queue: message.queue,
        message_id: &message.message_id,
        error: reason,
        attempt: message.receive_count.max(1),
        payload: job.map(|j| &j.payload).unwrap_or(&serde_json::Value::Null),
        dead: message.receive_count >= MAX_RECEIVE_COUNT,
        at: ctx.clock().now(),
    };
    match ctx.stores().failed_jobs.record(&failure).await {
        Ok(()) if failure.dead => crate::cached::queues_changed(ctx).await,
        Ok(()) => {}
        Err(error) => tracing::warn!(message_id = message.message_id, %error, "failed attempt not recorded"),
    }
}

async fn run<C: WorkerEnv + Sync>(
    ctx: &C,
    registry: &JobRegistry<C>,
    message: &IncomingMessage,
    job: Result<&Job, &serde_json::Error>,
) -> MessageOutcome {
    let job = match job {
        Ok(job) => job,
        Err(e) => return MessageOutcome::Failed(format!("body is not a job envelope: {e}")),
    };
    let Some(handler) = registry.get(&job.job_type) else {
        return MessageOutcome::Failed(format!("unknown job type `{}`", job.job_type));
    };
    if handler.run_once() == RunOnce::ByItsEffect {
        let started = std::time::Instant::now();
        return match handler.handle(ctx, job, message.receive_count.max(1)).await {
            Ok(()) => {
                let runtime_ms = started.elapsed().as_millis() as u64;
                tracing::info!(job_id = %job.id, job_type = job.job_type, runtime_ms, "job done");
                MessageOutcome::Done
            }
            Err(e) => MessageOutcome::Failed(e.to_string()),
        };
    }
    let claims = &ctx.stores().job_claims;
    let owner = match claims.claim(job.id.as_str(), ctx.clock().now(), LEASE, KEEP).await {
        Ok(Claim::Acquired(owner)) => owner,
        Ok(Claim::AlreadyDone) => return MessageOutcome::Duplicate,
        Ok(Claim::Busy) => {
            return MessageOutcome::Failed("another worker is running this job".into());
        }
        Err(e) => return MessageOutcome::Failed(format!("cannot claim job: {e}")),
    };
    let started = std::time::Instant::now();
    let result = handler.handle(ctx, job, message.receive_count.max(1)).await;
    let runtime_ms = started.elapsed().as_millis() as u64;
    match result {
        Ok(()) => match claims.complete(job.id.as_str(), &owner, ctx.clock().now(), KEEP).await {
            Ok(()) => {
                tracing::info!(job_id = %job.id, job_type = job.job_type, runtime_ms, "job done");
                MessageOutcome::Done
            }
            // This run outlived its lease and another delivery took the job over: the work is done (handlers
            // tolerate running twice), and the claim is the other delivery's to settle.
            Err(proxy_core::error::PortError::Conflict { .. }) => {
                tracing::warn!(job_id = %job.id, job_type = job.job_type, runtime_ms, "job done after its lease ran out");
                MessageOutcome::Done
            }
            // The work is done but not marked: the lease still guards it, and a retry after the lease finds
            // the effect in place (handlers are written to tolerate that).
            Err(e) => MessageOutcome::Failed(format!("job ran but could not be marked done: {e}")),
        },
        Err(e) => {
            if let Err(release) = claims.release(job.id.as_str(), &owner).await {
                tracing::warn!(job_id = %job.id, error = %release, "could not release claim; retry waits for the lease");
            }
            MessageOutcome::Failed(e.to_string())
        }
    }
}
