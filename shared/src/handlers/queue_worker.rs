//! `queue-worker`: the SQS-triggered worker. Partial batch failure: the response names only the messages
//! that failed, so SQS redelivers those and deletes the rest.

use crate::app::AppContext;
use crate::worker::{IncomingMessage, JobRegistry, process_batch};
use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};

pub async fn handle(ctx: &AppContext, registry: &JobRegistry, event: SqsEvent) -> SqsBatchResponse {
    let messages: Vec<IncomingMessage> = event
        .records
        .into_iter()
        .map(|r| IncomingMessage {
            receive_count: r.attributes.get("ApproximateReceiveCount").and_then(|c| c.parse().ok()).unwrap_or(1),
            message_id: r.message_id.unwrap_or_default(),
            body: r.body.unwrap_or_default(),
        })
        .collect();
    let outcomes = process_batch(ctx, registry, &messages).await;
    let mut response = SqsBatchResponse::default();
    for (message, outcome) in messages.iter().zip(&outcomes) {
        if outcome.is_failure() {
            response.add_failure(message.message_id.clone());
        }
    }
    response
}
