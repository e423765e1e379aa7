//! The mail port: sends one plain-text e-mail to one address (SES in AWS). The sender is the adapter's
//! configuration, not the caller's.

use crate::error::PortResult;
use async_trait::async_trait;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
}

#[async_trait]
pub trait Mailer: Send + Sync {
    /// Sends `email`; returns the provider's message id.
    async fn send(&self, email: &Email) -> PortResult<String>;
}
