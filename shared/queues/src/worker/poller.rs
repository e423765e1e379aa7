//! What Lambda's SQS event source mapping does, for the local run: receive a batch, run it, delete the
//! messages that succeeded and leave the failed ones to come back after their visibility timeout.

use super::{IncomingMessage, MessageOutcome, WorkerEnv, process_batch};
use platform::jobs::JobRegistry;
use proxy_core::error::PortResult;
use proxy_core::ports::QueueRef;
use std::time::Duration;

/// The outcome of one poll: how many messages were received, and what became of each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PollReport {
    pub outcomes: Vec<(String, MessageOutcome)>,
}

/// Receives up to 10 messages from `queue` (waiting up to `wait` for the first) and processes them.
pub async fn poll_once<C: WorkerEnv + Sync>(
    ctx: &C,
    registry: &JobRegistry<C>,
    queue: QueueRef,
    wait: Duration,
    visibility: Duration,
) -> PortResult<PollReport> {
    let received = ctx.queue().receive(queue, 10, wait, visibility).await?;
    if received.is_empty() {
        return Ok(PollReport::default());
    }
    let messages: Vec<IncomingMessage> = received
        .iter()
        .map(|m| IncomingMessage {
            message_id: m.message_id.clone(),
            body: m.body.clone(),
            receive_count: m.receive_count,
            queue: Some(queue.priority()),
        })
        .collect();
    let outcomes = process_batch(ctx, registry, &messages).await;
    let mut report = PollReport::default();
    for (message, outcome) in received.iter().zip(outcomes) {
        if !outcome.is_failure() {
            ctx.queue().delete(queue, &message.receipt_handle).await?;
        }
        report.outcomes.push((message.message_id.clone(), outcome));
    }
    Ok(report)
}
