//! The alert e-mail channel under test: in memory, or SES on an emulator of its own (`TEST_SES_ENDPOINT`: what
//! it was asked to send is read back from its model dump, `/moto-api/data.json`, filtered to this test's own
//! addresses; alone there, the dump stays small).

use crate::{Backend, TestApp, sdk_config_at, unique};
use shared::adapters::aws::SesMailer;
use shared::adapters::memory::MemoryMailer;
use shared::ports::{Email, Mailer};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The sender identity the tests verify on the emulator.
pub const SENDER: &str = "alerts@1000proxy.example";

/// Where a test's alert e-mail went.
pub enum Outbox {
    Memory(Arc<MemoryMailer>),
    Ses { recipients: Vec<String> },
}

impl TestApp {
    /// Mails this app's alerts to `count` addresses of this test's own, at most one e-mail per address per
    /// `window`; where they went.
    pub async fn mail_alerts(&mut self, count: usize, window: std::time::Duration) -> (Vec<String>, Outbox) {
        let recipients: Vec<String> = (0..count).map(|n| format!("{}-{n}@ops.example", unique("admin"))).collect();
        let (mailer, outbox): (Arc<dyn Mailer>, Outbox) = match self.backend {
            Backend::Memory => {
                let mailer = Arc::new(MemoryMailer::new());
                (mailer.clone(), Outbox::Memory(mailer))
            }
            Backend::Aws => (ses_mailer(&ses_endpoint()).await, Outbox::Ses { recipients: recipients.clone() }),
        };
        let mail = shared::deps::AlertMail { mailer, recipients: recipients.clone(), window };
        self.ctx = self.ctx.clone().with_alert_mail(mail);
        (recipients, outbox)
    }

    /// Stops (or starts again) the mail service of `outbox`: in memory it refuses; SES is swapped for one at a
    /// port nothing listens on.
    pub async fn set_mail_service_up(&mut self, outbox: &Outbox, up: bool) {
        let mut mail = self.ctx.alert_mail.clone().expect("mail_alerts first");
        match outbox {
            Outbox::Memory(mailer) => mailer.set_available(up),
            Outbox::Ses { .. } => {
                let endpoint = if up { ses_endpoint() } else { "http://127.0.0.1:9".to_owned() };
                mail.mailer = ses_mailer(&endpoint).await;
            }
        }
        self.ctx = self.ctx.clone().with_alert_mail(mail);
    }
}

/// The SES emulator (`scripts/test-services.sh`).
pub fn ses_endpoint() -> String {
    let endpoint = std::env::var("TEST_SES_ENDPOINT").unwrap_or_else(|_| "http://127.0.0.1:15001".into());
    crate::require("The SES emulator (moto)", &endpoint, "TEST_SES_ENDPOINT");
    endpoint
}

/// SES at `endpoint`, sending as `SENDER` (verified there when the emulator answers).
pub async fn ses_mailer(endpoint: &str) -> Arc<dyn Mailer> {
    let sdk = sdk_config_at(endpoint).await;
    let _ = aws_sdk_sesv2::Client::new(&sdk).create_email_identity().email_identity(SENDER).send().await;
    Arc::new(SesMailer::new(&sdk, SENDER))
}

impl Outbox {
    /// Every e-mail sent to this test's addresses, oldest first.
    pub async fn sent(&self) -> Vec<Email> {
        match self {
            Outbox::Memory(mailer) => mailer.sent(),
            Outbox::Ses { recipients } => {
                let dump = moto_models().await;
                let messages = dump["ses"]["Message"].as_array().cloned().unwrap_or_default();
                messages
                    .iter()
                    .filter_map(|m| {
                        let to = m["destinations"]["ToAddresses"].as_array()?;
                        let [to] = to.as_slice() else { return None };
                        let to = to.as_str()?;
                        let ours = recipients.iter().any(|r| r == to);
                        assert!(!ours || m["source"] == SENDER, "sent as the configured identity: {m}");
                        ours.then(|| Email {
                            to: to.to_owned(),
                            subject: m["subject"].as_str().unwrap_or_default().to_owned(),
                            text: m["body"].as_str().unwrap_or_default().to_owned(),
                        })
                    })
                    .collect()
            }
        }
    }

    /// The e-mail sent to `to`, oldest first.
    pub async fn sent_to(&self, to: &str) -> Vec<Email> {
        self.sent().await.into_iter().filter(|e| e.to == to).collect()
    }
}

/// The SES emulator's dump of every model it holds (HTTP/1.0 GET on loopback: one small request, no client
/// library). Read again when it comes back unparsable: the dump is taken while other tests send.
async fn moto_models() -> serde_json::Value {
    let endpoint = ses_endpoint();
    let host = endpoint.trim_start_matches("http://").trim_end_matches('/').to_owned();
    let mut last = String::new();
    for _ in 0..5 {
        let mut stream = tokio::net::TcpStream::connect(&host).await.expect("the SES emulator answers");
        let request = format!("GET /moto-api/data.json HTTP/1.0\r\nHost: {host}\r\n\r\n");
        stream.write_all(request.as_bytes()).await.expect("request sent");
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await.expect("response read");
        let text = String::from_utf8_lossy(&response).into_owned();
        if let Some((_, body)) = text.split_once("\r\n\r\n")
            && let Ok(models) = serde_json::from_str(body)
        {
            return models;
        }
        last = text.chars().take(300).collect();
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the SES emulator's model dump could not be read: {last}")
}
