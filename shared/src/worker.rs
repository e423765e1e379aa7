//! The queue worker as the application runs it: every context's job handlers in one registry, and the
//! `queue-worker` function's handler, which feeds SQS's batches to `queues::worker`. Partial batch failure:
//! the response names only the messages that failed, so SQS redelivers those and deletes the rest.

use crate::app::AppContext;
use crate::domain::Priority;
use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};

pub use platform::jobs::{JobError, JobHandler, RunOnce, dispatch, dispatch_as};
pub use queues::worker::{IncomingMessage, LEASE, MessageOutcome, PollReport, poll_once, process_batch};

/// The job handlers, by job type, with the application's dependencies.
pub type JobRegistry = platform::jobs::JobRegistry<AppContext>;

/// Every job type the system runs, each registered by the context that owns it.
pub fn standard_registry() -> JobRegistry {
    let mut registry = JobRegistry::default();
    platform::alerts::register_jobs(&mut registry);
    platform::alert_mail::register_jobs(&mut registry);
    realtime::jobs::register(&mut registry);
    orders::jobs::register(&mut registry);
    inventory::jobs::register(&mut registry);
    analytics::facts::register_jobs(&mut registry);
    registry
}

pub async fn handle(ctx: &AppContext, registry: &JobRegistry, event: SqsEvent) -> SqsBatchResponse {
    let messages: Vec<IncomingMessage> = event
        .records
        .into_iter()
        .map(|r| IncomingMessage {
            receive_count: r.attributes.get("ApproximateReceiveCount").and_then(|c| c.parse().ok()).unwrap_or(1),
            queue: r.event_source_arn.as_deref().and_then(queue_of_source),
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

/// The priority queue an event source ARN names: queues are named `<prefix>-<priority>` (see the template).
fn queue_of_source(arn: &str) -> Option<Priority> {
    let name = arn.rsplit(':').next()?;
    Priority::ALL.into_iter().find(|p| name == p.as_str() || name.ends_with(&format!("-{}", p.as_str())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queue_comes_from_the_event_source_arn() {
        assert_eq!(queue_of_source("arn:aws:sqs:eu-west-1:123456789012:1000proxy-prod-high"), Some(Priority::High));
        assert_eq!(
            queue_of_source("arn:aws:sqs:eu-west-1:123456789012:1000proxy-prod-notifications"),
            Some(Priority::Notifications)
        );
        assert_eq!(queue_of_source("arn:aws:sqs:eu-west-1:123456789012:something-else"), None);
    }
}
