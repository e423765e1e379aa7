//! The mail port on SES (API v2): one `SendEmail` per message, from the configured sender identity, under a
//! time limit; the SDK retries throttling and transient errors (its standard mode: bounded, with backoff).

use crate::timeout::with_timeout;
use async_trait::async_trait;
use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};
use proxy_core::error::{Backend, PortError, PortResult, describe};
use proxy_core::ports::mail::{Email, Mailer};
use std::time::Duration;

#[derive(Clone)]
pub struct SesMailer {
    client: Client,
    /// The verified identity the messages come from.
    from: String,
    timeout: Duration,
}

impl SesMailer {
    /// A client of the SES in `sdk` (no network call until the first send), sending as `from`.
    pub fn new(sdk: &aws_config::SdkConfig, from: impl Into<String>) -> Self {
        Self { client: Client::new(sdk), from: from.into(), timeout: Duration::from_secs(5) }
    }
}

fn content(text: &str) -> PortResult<Content> {
    Content::builder()
        .data(text)
        .charset("UTF-8")
        .build()
        .map_err(|e| PortError::Invalid { backend: Backend::Mail, detail: e.to_string() })
}

#[async_trait]
impl Mailer for SesMailer {
    async fn send(&self, email: &Email) -> PortResult<String> {
        let message = Message::builder()
            .subject(content(&email.subject)?)
            .body(Body::builder().text(content(&email.text)?).build())
            .build();
        let call = async {
            let out = self
                .client
                .send_email()
                .from_email_address(&self.from)
                .destination(Destination::builder().to_addresses(&email.to).build())
                .content(EmailContent::builder().simple(message).build())
                .send()
                .await
                .map_err(|e| PortError::unavailable(Backend::Mail, describe(&e)))?;
            Ok(out.message_id.unwrap_or_default())
        };
        with_timeout(Backend::Mail, "send_email", self.timeout, call).await
    }
}
