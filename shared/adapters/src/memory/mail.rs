use async_trait::async_trait;
use proxy_core::error::{Backend, PortError, PortResult};
use proxy_core::ports::mail::{Email, Mailer};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// The mail service of the embedded backend: keeps what it was given (and logs it, so a local run shows the
/// e-mail it would have sent). It can be made to refuse, as SES would when it is unreachable.
#[derive(Default)]
pub struct MemoryMailer {
    sent: Mutex<Vec<Email>>,
    down: AtomicBool,
}

impl MemoryMailer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every e-mail sent, oldest first.
    pub fn sent(&self) -> Vec<Email> {
        self.sent.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Makes the service refuse (or accept again).
    pub fn set_available(&self, available: bool) {
        self.down.store(!available, Ordering::SeqCst);
    }
}

#[async_trait]
impl Mailer for MemoryMailer {
    async fn send(&self, email: &Email) -> PortResult<String> {
        if self.down.load(Ordering::SeqCst) {
            return Err(PortError::unavailable(Backend::Mail, "the mail service is down"));
        }
        let mut sent = self.sent.lock().unwrap_or_else(|p| p.into_inner());
        sent.push(email.clone());
        tracing::info!(to = email.to, subject = email.subject, "e-mail sent (in memory)");
        Ok(format!("memory-{}", sent.len()))
    }
}
