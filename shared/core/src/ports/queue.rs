//! The job queue port (SQS in AWS): five priority queues, each with a dead-letter queue.

use crate::domain::Priority;
use crate::error::PortResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::time::Duration;

/// A queue: a priority queue or its dead-letter queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum QueueRef {
    Main(Priority),
    DeadLetter(Priority),
}

impl QueueRef {
    pub fn priority(self) -> Priority {
        match self {
            QueueRef::Main(p) | QueueRef::DeadLetter(p) => p,
        }
    }

    /// The queue's name suffix, e.g. `high` or `high-dlq`.
    pub fn name(self) -> String {
        match self {
            QueueRef::Main(p) => p.as_str().to_owned(),
            QueueRef::DeadLetter(p) => format!("{}-dlq", p.as_str()),
        }
    }

    pub fn all() -> impl Iterator<Item = QueueRef> {
        Priority::ALL.into_iter().flat_map(|p| [QueueRef::Main(p), QueueRef::DeadLetter(p)])
    }
}

/// After this many receives without being deleted, a message moves to the dead-letter queue.
pub const MAX_RECEIVE_COUNT: u32 = 3;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMessage {
    pub message_id: String,
    pub receipt_handle: String,
    pub body: String,
    /// How many times the message has been received, this time included.
    pub receive_count: u32,
    pub sent_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct QueueAttributes {
    /// Ready to be received.
    pub visible: u64,
    /// Received and not yet deleted or returned.
    pub in_flight: u64,
    /// Sent with a delay that has not passed.
    pub delayed: u64,
}

#[async_trait]
pub trait JobQueue: Send + Sync {
    /// Sends a message; returns its message id.
    async fn send(&self, queue: QueueRef, body: &str, delay: Option<Duration>) -> PortResult<String>;
    /// Receives up to `max` (1..=10) messages, waiting up to `wait` for the first one. Received messages stay
    /// invisible for `visibility`; a message received more than `MAX_RECEIVE_COUNT` times goes to the DLQ.
    async fn receive(
        &self,
        queue: QueueRef,
        max: u32,
        wait: Duration,
        visibility: Duration,
    ) -> PortResult<Vec<ReceivedMessage>>;
    async fn delete(&self, queue: QueueRef, receipt_handle: &str) -> PortResult<()>;
    /// Makes a received message visible again after `after` (0 = now).
    async fn release(&self, queue: QueueRef, receipt_handle: &str, after: Duration) -> PortResult<()>;
    async fn attributes(&self, queue: QueueRef) -> PortResult<QueueAttributes>;
}
