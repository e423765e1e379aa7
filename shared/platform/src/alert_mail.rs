//! The alerts' e-mail channel. Each change goes into every admin address's outbox (`alert.mail`), and an
//! address gets at most one e-mail per `MAIL_WINDOW` (`mail.send`): the first change in a quiet window goes out
//! at once, what follows within it waits for the next window and goes out together, as a digest. So a storm of
//! alerts is a few e-mails, not hundreds (the original mailed a hard-coded address every 5 minutes while
//! critical), and a failing mail service holds up no other channel: its job is retried by the queue, and what
//! waits stays in the outbox.

use crate::deps::{HasAlertMail, HasClock, HasQueue, HasStores};
use crate::jobs::{JobError, JobHandler, JobRegistry, dispatch_as, dispatch_later_as, payload};
use proxy_core::domain::{AlertChange, AlertSeverity, Job, JobId, Priority};
use proxy_core::error::{PortError, PortResult};
use proxy_core::ports::Email;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use store::PendingMail;

/// An address gets at most one e-mail per window of this length by default (windows are aligned to the epoch;
/// `AlertMail::window`).
pub const MAIL_WINDOW: Duration = Duration::from_secs(5 * 60);
/// The most changes one e-mail lists; more wait for the next window.
pub const DIGEST_LIMIT: usize = 50;
pub const ALERT_MAIL_JOB: &str = "alert.mail";
pub const SEND_MAIL_JOB: &str = "mail.send";

/// The `mail.send` job's payload: one address's e-mail of one window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MailWindow {
    pub to: String,
    pub window: i64,
}

/// Queues the change `line` for the admins' e-mail, once per change however often it is sent.
pub async fn announce(ctx: &(impl HasQueue + HasClock), line: &PendingMail) -> PortResult<()> {
    let id = JobId(format!("mail:{}", line.change_key));
    dispatch_as(ctx.queue(), ctx.clock(), id, ALERT_MAIL_JOB, line, Priority::Notifications).await.map(|_| ())
}

fn window_millis(window: Duration) -> i64 {
    i64::try_from(window.min(crate::jobs::MAX_DELAY).as_millis()).unwrap_or(1).max(1)
}

/// Makes sure an e-mail to `to` will take what waits in its outbox: now when this window has had none, else at
/// the start of the window the outbox says. The job is sent again when it was arranged before (its first send
/// may have failed); its id is the address's window, so it runs once.
async fn schedule(ctx: &(impl HasQueue + HasClock + HasStores), to: &str, length: Duration) -> PortResult<()> {
    let now = ctx.clock().now();
    let length = window_millis(length);
    let window = ctx.stores().mail_outbox.arrange(to, now.timestamp_millis().div_euclid(length)).await?;
    let wait = Duration::from_millis(u64::try_from(window * length - now.timestamp_millis()).unwrap_or(0));
    let id = JobId(format!("mail:{}:{window}", to.to_lowercase()));
    let payload = MailWindow { to: to.to_owned(), window };
    dispatch_later_as(ctx.queue(), ctx.clock(), id, SEND_MAIL_JOB, &payload, Priority::Notifications, wait)
        .await
        .map(|_| ())
}

/// The e-mail of `lines` (one change, or a digest of several; `more`: others wait for the next one).
pub fn compose(to: &str, lines: &[PendingMail], more: bool) -> Email {
    let when = |line: &PendingMail| line.at.format("%Y-%m-%d %H:%M:%S UTC").to_string();
    let upper = |severity: AlertSeverity| severity.as_str().to_uppercase();
    if let [line] = lines
        && !more
    {
        let subject =
            format!("[1000proxy] {} alert {}: {}", upper(line.severity), line.change.as_str(), line.condition);
        let text = format!(
            "{message}\n\nAlert:      {id}\nCondition:  {condition} (from {source})\nSeverity:   {severity}\n\
             Change:     {change} at {at}\nSightings:  {occurrences}\n\n\
             The open alerts: GET /admin/system/alerts; acknowledge one: POST /admin/system/alerts/{id}/ack.\n",
            message = line.message,
            id = line.alert_id,
            condition = line.condition,
            source = line.source,
            severity = line.severity.as_str(),
            change = line.change.as_str(),
            at = when(line),
            occurrences = line.occurrences,
        );
        return Email { to: to.to_owned(), subject, text };
    }
    let count = |wanted: &dyn Fn(&PendingMail) -> bool| lines.iter().filter(|l| wanted(l)).count();
    let mut tally = Vec::new();
    for severity in [AlertSeverity::Critical, AlertSeverity::Warning, AlertSeverity::Info] {
        let n = count(&|l| l.change != AlertChange::Resolved && l.severity == severity);
        if n > 0 {
            tally.push(format!("{n} {}", severity.as_str()));
        }
    }
    let resolved = count(&|l| l.change == AlertChange::Resolved);
    if resolved > 0 {
        tally.push(format!("{resolved} resolved"));
    }
    let subject = format!("[1000proxy] {} alert changes: {}", lines.len(), tally.join(", "));
    let mut text = String::from("Alert changes since the last e-mail, oldest first:\n\n");
    for line in lines {
        text.push_str(&format!(
            "{}  {:<8}  {:<9}  {}: {}\n",
            when(line),
            upper(line.severity),
            line.change.as_str(),
            line.condition,
            line.message
        ));
    }
    if more {
        text.push_str("\nMore changes are waiting: they follow in the next e-mail.\n");
    }
    text.push_str("\nThe open alerts: GET /admin/system/alerts.\n");
    Email { to: to.to_owned(), subject, text }
}

pub fn register_jobs<C: HasStores + HasQueue + HasClock + HasAlertMail + Sync + 'static>(
    registry: &mut JobRegistry<C>,
) {
    registry.register(ALERT_MAIL_JOB, QueueAlertMail);
    registry.register(SEND_MAIL_JOB, SendMail);
}

/// `alert.mail`: the change into every admin address's outbox, and that address's e-mail arranged. Every write is
/// keyed by the change or the window, so a rerun adds nothing twice.
struct QueueAlertMail;

#[async_trait::async_trait]
impl<C: HasStores + HasQueue + HasClock + HasAlertMail + Sync> JobHandler<C> for QueueAlertMail {
    async fn handle(&self, ctx: &C, job: &Job, _attempt: u32) -> Result<(), JobError> {
        let line: PendingMail = payload(job)?;
        let Some(mail) = ctx.alert_mail() else {
            tracing::info!(change = line.change_key, "alert e-mail is not configured: no recipients");
            return Ok(());
        };
        // One address failing does not hold up the others; the job is retried for it (the rest find their
        // line there already).
        let mut failed = None;
        for to in &mail.recipients {
            let queued = async {
                ctx.stores().mail_outbox.add(to, &line).await?;
                schedule(ctx, to, mail.window).await
            };
            if let Err(error) = queued.await {
                tracing::error!(to, %error, change = line.change_key, "alert e-mail not queued");
                failed = Some(error);
            }
        }
        match failed {
            Some(error) => Err(error.into()),
            None => Ok(()),
        }
    }
}

/// `mail.send`: one e-mail to one address with what waits in its outbox (claimed: a redelivery after it completed
/// sends nothing; one after a failure between the send and the outbox's update sends that e-mail again, the one
/// case of a duplicate). Nothing waiting (an earlier e-mail took it) sends nothing.
struct SendMail;

#[async_trait::async_trait]
impl<C: HasStores + HasQueue + HasClock + HasAlertMail + Sync> JobHandler<C> for SendMail {
    async fn handle(&self, ctx: &C, job: &Job, _attempt: u32) -> Result<(), JobError> {
        let MailWindow { to, window } = payload(job)?;
        let Some(mail) = ctx.alert_mail() else {
            return Err(JobError::Backend(PortError::unavailable(
                proxy_core::error::Backend::Mail,
                "alert e-mail is not configured on this worker",
            )));
        };
        let outbox = &ctx.stores().mail_outbox;
        outbox.starting(&to, window).await?;
        let (lines, more) = outbox.pending(&to, DIGEST_LIMIT).await?;
        if lines.is_empty() {
            return Ok(());
        }
        let email = compose(&to, &lines, more);
        let message_id = mail.mailer.send(&email).await?;
        outbox.sent(&to, &lines).await?;
        tracing::info!(to, window, changes = lines.len(), message_id, "alert e-mail sent");
        if more {
            schedule(ctx, &to, mail.window).await?;
        }
        Ok(())
    }
}
