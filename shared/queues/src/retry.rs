//! `retry_failed(queue, limit)`: moves up to `limit` messages from a queue's dead-letter queue back to it —
//! receive, send the same job (it keeps its id, so the worker's idempotency still holds; `requeued_at` says
//! when it came back), then delete the dead letter. A message whose send fails stays in the dead-letter queue, visible again at once.

use super::QueuesEnv;
use super::{LOOK_VISIBILITY, LOOK_WAIT, job_of};
use proxy_core::domain::{Job, Priority};
use proxy_core::error::PortError;
use proxy_core::ports::QueueRef;
use serde::Serialize;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RetryOutcome {
    /// Back on its queue under a new message id.
    Requeued { message_id: String },
    /// Still in the dead-letter queue.
    Failed { reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RetryResult {
    /// The dead letter's message id.
    pub dead_letter_id: String,
    pub job_id: Option<String>,
    pub job_type: Option<String>,
    #[serde(flatten)]
    pub outcome: RetryOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RetryReport {
    pub queue: Priority,
    pub limit: u32,
    pub requeued: u32,
    pub results: Vec<RetryResult>,
}

pub async fn retry_failed(ctx: &impl QueuesEnv, queue: Priority, limit: u32) -> Result<RetryReport, PortError> {
    let (main, dead) = (QueueRef::Main(queue), QueueRef::DeadLetter(queue));
    let mut report = RetryReport { queue, limit, requeued: 0, results: Vec::new() };
    while (report.results.len() as u32) < limit {
        let want = (limit - report.results.len() as u32).min(10);
        let batch = ctx.queue().receive(dead, want, LOOK_WAIT, LOOK_VISIBILITY).await?;
        if batch.is_empty() {
            break;
        }
        for message in batch {
            let job = job_of(&message.body);
            // The same job (same id), stamped with when it was requeued so its wait is measured from now.
            let body = job
                .clone()
                .map(|job| Job { requeued_at: Some(ctx.clock().now()), ..job })
                .and_then(|job| serde_json::to_string(&job).ok())
                .unwrap_or_else(|| message.body.clone());
            let outcome = match ctx.queue().send(main, &body, None).await {
                Ok(message_id) => {
                    // Sent: the dead letter goes. Were the delete to fail, the copy left would run once anyway
                    // (same job id) and a later retry would only find it done.
                    if let Err(error) = ctx.queue().delete(dead, &message.receipt_handle).await {
                        tracing::warn!(message_id = message.message_id, %error, "retried dead letter not deleted");
                    }
                    if let Some(job) = &job
                        && let Err(error) = ctx.stores().failed_jobs.delete(job.id.as_str()).await
                    {
                        tracing::warn!(job_id = %job.id, %error, "failed-job record of a retried job not removed");
                    }
                    report.requeued += 1;
                    RetryOutcome::Requeued { message_id }
                }
                Err(error) => {
                    if let Err(release) = ctx.queue().release(dead, &message.receipt_handle, Duration::ZERO).await {
                        tracing::warn!(message_id = message.message_id, %release, "dead letter not released");
                    }
                    RetryOutcome::Failed { reason: error.to_string() }
                }
            };
            report.results.push(RetryResult {
                dead_letter_id: message.message_id,
                job_id: job.as_ref().map(|j| j.id.to_string()),
                job_type: job.map(|j| j.job_type),
                outcome,
            });
        }
    }
    tracing::info!(queue = queue.as_str(), limit, requeued = report.requeued, "failed jobs retried");
    crate::cached::queues_changed(ctx).await;
    Ok(report)
}
