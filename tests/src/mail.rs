//! The alert e-mail channel under test: in memory, or SES on the emulator (what it was asked to send is read
//! back from moto's model dump, `/moto-api/data.json`, filtered to this test's own addresses).

use crate::{Backend, TestApp, aws_endpoint, sdk_config_at, unique};
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
            Backend::Aws => (ses_mailer(&aws_endpoint()).await, Outbox::Ses { recipients: recipients.clone() }),
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
                let endpoint = if up { aws_endpoint() } else { "http://127.0.0.1:9".to_owned() };
                mail.mailer = ses_mailer(&endpoint).await;
            }
        }
        self.ctx = self.ctx.clone().with_alert_mail(mail);
    }
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

/// moto's dump of every model it holds (HTTP/1.0 GET on loopback: one small request, no client library).
async fn moto_models() -> serde_json::Value {
    let endpoint = aws_endpoint();
    let host = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = tokio::net::TcpStream::connect(host).await.expect("moto answers");
    let request = format!("GET /moto-api/data.json HTTP/1.0\r\nHost: {host}\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("request sent");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("response read");
    let text = String::from_utf8_lossy(&response);
    let (_, body) = text.split_once("\r\n\r\n").expect("an HTTP response");
    serde_json::from_str(body).expect("moto's model dump")
}
