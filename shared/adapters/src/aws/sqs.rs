use crate::timeout::with_timeout;
use async_trait::async_trait;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName};
use chrono::{DateTime, Utc};
use proxy_core::error::{Backend, PortError, PortResult, describe};
use proxy_core::ports::queue::{JobQueue, QueueAttributes, QueueRef, ReceivedMessage};
use std::collections::HashMap;
use std::time::Duration;

/// The URL of every queue, main and dead-letter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueUrls(pub HashMap<QueueRef, String>);

impl QueueUrls {
    /// The environment variable holding a queue's URL, e.g. `QUEUE_URL_HIGH`, `QUEUE_URL_HIGH_DLQ`.
    pub fn env_var(queue: QueueRef) -> String {
        format!("QUEUE_URL_{}", queue.name().replace('-', "_").to_uppercase())
    }

    /// Reads every queue URL from the environment; names the first one missing.
    pub fn from_env() -> Result<Self, String> {
        let mut urls = HashMap::new();
        for queue in QueueRef::all() {
            let var = Self::env_var(queue);
            let url = std::env::var(&var).map_err(|_| format!("environment variable {var} is not set"))?;
            urls.insert(queue, url);
        }
        Ok(Self(urls))
    }

    pub fn get(&self, queue: QueueRef) -> PortResult<&str> {
        self.0.get(&queue).map(String::as_str).ok_or_else(|| PortError::Invalid {
            backend: Backend::Queue,
            detail: format!("no URL configured for queue {}", queue.name()),
        })
    }

    /// Which queue an event source ARN (`arn:aws:sqs:region:account:NAME`) or URL names, by its name's suffix.
    pub fn queue_of_arn(&self, arn: &str) -> Option<QueueRef> {
        let name = arn.rsplit([':', '/']).next()?;
        self.0.iter().find(|(_, url)| url.rsplit('/').next() == Some(name)).map(|(q, _)| *q)
    }
}

/// The SQS adapter.
#[derive(Clone)]
pub struct SqsQueue {
    client: Client,
    urls: QueueUrls,
    timeout: Duration,
}

fn map_err<E: std::error::Error>(error: E) -> PortError {
    PortError::unavailable(Backend::Queue, describe(&error))
}

impl SqsQueue {
    pub fn new(client: Client, urls: QueueUrls) -> Self {
        Self { client, urls, timeout: Duration::from_secs(3) }
    }

    /// Another limit per call (on top of a receive's long-poll wait).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn urls(&self) -> &QueueUrls {
        &self.urls
    }
}

#[async_trait]
impl JobQueue for SqsQueue {
    async fn send(&self, queue: QueueRef, body: &str, delay: Option<Duration>) -> PortResult<String> {
        let url = self.urls.get(queue)?;
        let call = async {
            let out = self
                .client
                .send_message()
                .queue_url(url)
                .message_body(body)
                // Rounded up: a delayed job never runs before its time.
                .set_delay_seconds(delay.map(|d| d.as_millis().div_ceil(1000).min(900) as i32))
                .send()
                .await
                .map_err(map_err)?;
            Ok(out.message_id.unwrap_or_default())
        };
        with_timeout(Backend::Queue, "send", self.timeout, call).await
    }

    async fn receive(
        &self,
        queue: QueueRef,
        max: u32,
        wait: Duration,
        visibility: Duration,
    ) -> PortResult<Vec<ReceivedMessage>> {
        let url = self.urls.get(queue)?;
        let wait = wait.min(Duration::from_secs(20));
        let call = async {
            let out = self
                .client
                .receive_message()
                .queue_url(url)
                .max_number_of_messages(max.clamp(1, 10) as i32)
                .wait_time_seconds(wait.as_secs() as i32)
                .visibility_timeout(visibility.as_secs() as i32)
                .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
                .message_system_attribute_names(MessageSystemAttributeName::SentTimestamp)
                .send()
                .await
                .map_err(map_err)?;
            let mut received = Vec::new();
            for message in out.messages.unwrap_or_default() {
                let attributes = message.attributes.unwrap_or_default();
                let number = |name: MessageSystemAttributeName| {
                    attributes.get(&name).and_then(|v| v.parse::<i64>().ok()).unwrap_or_default()
                };
                received.push(ReceivedMessage {
                    message_id: message.message_id.unwrap_or_default(),
                    receipt_handle: message.receipt_handle.unwrap_or_default(),
                    body: message.body.unwrap_or_default(),
                    receive_count: number(MessageSystemAttributeName::ApproximateReceiveCount) as u32,
                    sent_at: DateTime::<Utc>::from_timestamp_millis(number(MessageSystemAttributeName::SentTimestamp))
                        .unwrap_or_default(),
                });
            }
            Ok(received)
        };
        with_timeout(Backend::Queue, "receive", self.timeout + wait, call).await
    }

    async fn delete(&self, queue: QueueRef, receipt_handle: &str) -> PortResult<()> {
        let url = self.urls.get(queue)?;
        let call = async {
            self.client.delete_message().queue_url(url).receipt_handle(receipt_handle).send().await.map_err(map_err)?;
            Ok(())
        };
        with_timeout(Backend::Queue, "delete", self.timeout, call).await
    }

    async fn release(&self, queue: QueueRef, receipt_handle: &str, after: Duration) -> PortResult<()> {
        let url = self.urls.get(queue)?;
        let call = async {
            self.client
                .change_message_visibility()
                .queue_url(url)
                .receipt_handle(receipt_handle)
                .visibility_timeout(after.as_secs() as i32)
                .send()
                .await
                .map_err(map_err)?;
            Ok(())
        };
        with_timeout(Backend::Queue, "release", self.timeout, call).await
    }

    async fn attributes(&self, queue: QueueRef) -> PortResult<QueueAttributes> {
        let url = self.urls.get(queue)?;
        let call = async {
            let out = self
                .client
                .get_queue_attributes()
                .queue_url(url)
                .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
                .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
                .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesDelayed)
                .send()
                .await
                .map_err(map_err)?;
            let attributes = out.attributes.unwrap_or_default();
            let count = |name: QueueAttributeName| {
                attributes.get(&name).and_then(|v| v.parse::<u64>().ok()).unwrap_or_default()
            };
            Ok(QueueAttributes {
                visible: count(QueueAttributeName::ApproximateNumberOfMessages),
                in_flight: count(QueueAttributeName::ApproximateNumberOfMessagesNotVisible),
                delayed: count(QueueAttributeName::ApproximateNumberOfMessagesDelayed),
            })
        };
        with_timeout(Backend::Queue, "attributes", self.timeout, call).await
    }
}
