use async_trait::async_trait;
use chrono::{DateTime, Utc};
use proxy_core::clock::Clock;
use proxy_core::error::{Backend, PortError, PortResult};
use proxy_core::ports::queue::{JobQueue, MAX_RECEIVE_COUNT, QueueAttributes, QueueRef, ReceivedMessage};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

#[derive(Debug, Clone)]
struct Message {
    id: String,
    body: String,
    sent_at: DateTime<Utc>,
    visible_at: DateTime<Utc>,
    receive_count: u32,
    /// The receipt handle of the latest receive; only it may delete the message (SQS semantics).
    receipt: Option<String>,
}

/// In-memory queues with SQS semantics: visibility timeouts, receive counts and a DLQ after
/// `MAX_RECEIVE_COUNT` receives. Visibility follows the injected clock; long-poll waits are real time.
pub struct MemoryQueue {
    clock: Arc<dyn Clock>,
    queues: Mutex<HashMap<QueueRef, Vec<Message>>>,
    arrivals: Notify,
}

impl MemoryQueue {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self { clock, queues: Mutex::new(HashMap::new()), arrivals: Notify::new() }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<QueueRef, Vec<Message>>> {
        self.queues.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn take_visible(&self, queue: QueueRef, max: usize, visibility: Duration) -> Vec<ReceivedMessage> {
        let now = self.clock.now();
        let visible_again = now + chrono::Duration::from_std(visibility).unwrap_or(chrono::Duration::zero());
        let mut queues = self.lock();
        let messages = queues.entry(queue).or_default();
        let mut received = Vec::new();
        let mut dead = Vec::new();
        for (position, message) in messages.iter_mut().enumerate() {
            if received.len() == max {
                break;
            }
            if message.visible_at > now {
                continue;
            }
            if matches!(queue, QueueRef::Main(_)) && message.receive_count >= MAX_RECEIVE_COUNT {
                dead.push(position);
                continue;
            }
            message.receive_count += 1;
            message.visible_at = visible_again;
            let receipt = uuid::Uuid::new_v4().to_string();
            message.receipt = Some(receipt.clone());
            received.push(ReceivedMessage {
                message_id: message.id.clone(),
                receipt_handle: receipt,
                body: message.body.clone(),
                receive_count: message.receive_count,
                sent_at: message.sent_at,
            });
        }
        if let QueueRef::Main(priority) = queue {
            let moved: Vec<Message> = dead.into_iter().rev().map(|p| messages.remove(p)).collect();
            let dlq = queues.entry(QueueRef::DeadLetter(priority)).or_default();
            for mut message in moved.into_iter().rev() {
                // SQS keeps the receive count when it moves a message to the DLQ.
                message.receipt = None;
                message.visible_at = now;
                dlq.push(message);
            }
        }
        received
    }

    fn find_received<'a>(messages: &'a mut [Message], receipt: &str) -> PortResult<&'a mut Message> {
        messages.iter_mut().find(|m| m.receipt.as_deref() == Some(receipt)).ok_or_else(|| PortError::Invalid {
            backend: Backend::Queue,
            detail: "receipt handle is not current".into(),
        })
    }
}

#[async_trait]
impl JobQueue for MemoryQueue {
    async fn send(&self, queue: QueueRef, body: &str, delay: Option<Duration>) -> PortResult<String> {
        let now = self.clock.now();
        let id = uuid::Uuid::new_v4().to_string();
        let visible_at = now + delay.and_then(|d| chrono::Duration::from_std(d).ok()).unwrap_or_default();
        self.lock().entry(queue).or_default().push(Message {
            id: id.clone(),
            body: body.to_owned(),
            sent_at: now,
            visible_at,
            receive_count: 0,
            receipt: None,
        });
        self.arrivals.notify_waiters();
        Ok(id)
    }

    async fn receive(
        &self,
        queue: QueueRef,
        max: u32,
        wait: Duration,
        visibility: Duration,
    ) -> PortResult<Vec<ReceivedMessage>> {
        let max = max.clamp(1, 10) as usize;
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let arrival = self.arrivals.notified();
            let received = self.take_visible(queue, max, visibility);
            if !received.is_empty() || tokio::time::Instant::now() >= deadline {
                return Ok(received);
            }
            // Wake on a new message, or re-check periodically for messages whose delay or visibility ran out.
            let _ = tokio::time::timeout_at(
                deadline.min(tokio::time::Instant::now() + Duration::from_millis(200)),
                arrival,
            )
            .await;
        }
    }

    async fn delete(&self, queue: QueueRef, receipt_handle: &str) -> PortResult<()> {
        let mut queues = self.lock();
        let messages = queues.entry(queue).or_default();
        // Deleting with a stale handle is a no-op in SQS too.
        messages.retain(|m| m.receipt.as_deref() != Some(receipt_handle));
        Ok(())
    }

    async fn release(&self, queue: QueueRef, receipt_handle: &str, after: Duration) -> PortResult<()> {
        let now = self.clock.now();
        let mut queues = self.lock();
        let message = Self::find_received(queues.entry(queue).or_default(), receipt_handle)?;
        message.visible_at = now + chrono::Duration::from_std(after).unwrap_or_default();
        drop(queues);
        self.arrivals.notify_waiters();
        Ok(())
    }

    async fn attributes(&self, queue: QueueRef) -> PortResult<QueueAttributes> {
        let now = self.clock.now();
        let queues = self.lock();
        let mut attributes = QueueAttributes::default();
        for message in queues.get(&queue).into_iter().flatten() {
            if message.visible_at <= now {
                attributes.visible += 1;
            } else if message.receipt.is_some() {
                attributes.in_flight += 1;
            } else {
                attributes.delayed += 1;
            }
        }
        Ok(attributes)
    }
}
