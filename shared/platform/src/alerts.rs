//! Alerts with a lifecycle (Alertmanager's): a condition opens an alert when it starts, is deduplicated while
//! it lasts (one open alert per condition, counting its sightings), can be acknowledged, and resolves when the
//! condition clears. The channels hear of an opening, an escalation and a resolution through the
//! `notifications` queue (`system.alert`), so a slow or failing channel holds up no check; a notice goes under
//! a job id of the alert and the change, and is sent again by later sightings (or clears) until its delivery
//! is recorded, so a send that failed after the change was stored is not lost and none is delivered twice. A
//! condition that comes back within `QUIET_PERIOD` of resolving (flapping) opens an alert the channels are told
//! of only once it has lasted the quiet period or got worse. (The original e-mailed a hard-coded address every
//! 5 minutes while critical.)

use crate::deps::HasStores;
use crate::jobs::{JobError, JobHandler, JobRegistry, dispatch_as, payload};
use proxy_core::domain::{
    Alert, AlertChange, AlertId, AlertSeverity, AlertState, DomainEvent, Inbox, Job, JobId, Notification,
    NotificationId, Priority,
};
use proxy_core::error::{PortError, PortResult};
use serde::{Deserialize, Serialize};
use std::time::Duration;

crate::env!(
    /// What raising alerts needs: the clock, the queues and the alert store.
    AlertsEnv: crate::deps::HasClock, crate::deps::HasQueue, crate::deps::HasStores
);

pub const ALERT_JOB: &str = "system.alert";
/// A condition that returns within this long after its alert resolved is flapping: its new alert is announced
/// only once it has lasted this long, or got worse.
pub const QUIET_PERIOD: Duration = Duration::from_secs(30 * 60);
/// Tries of an observation or a resolution that lost a race to another check before it gives up.
const TRIES: usize = 3;
/// An opening not delivered this long after it opened is sent again at the next sighting (the first send may
/// have failed after the alert was stored).
pub const RESEND_AFTER: Duration = Duration::from_secs(60);

/// The `system.alert` job's payload. (A plain alert, as queued before notices existed, reads as opened.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertNotice {
    #[serde(default)]
    pub change: AlertChange,
    #[serde(flatten)]
    pub alert: Alert,
}

/// A condition as a check sees it now.
#[derive(Debug, Clone, PartialEq)]
pub struct Sighting<'a> {
    pub severity: AlertSeverity,
    /// Where it comes from, e.g. `system-health`.
    pub source: &'a str,
    /// Which condition: the same key is the same condition.
    pub key: &'a str,
    pub message: String,
    pub details: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Observed {
    /// A new alert (announced unless the condition is flapping: `alert.notified`; see `QUIET_PERIOD`).
    Opened(Alert),
    /// The condition's open alert, seen once more.
    Repeated(Alert),
}

impl Observed {
    pub fn alert(&self) -> &Alert {
        match self {
            Observed::Opened(alert) | Observed::Repeated(alert) => alert,
        }
    }
}

fn lost_race(error: &PortError) -> bool {
    matches!(error, PortError::Conflict { .. })
}

/// The condition holds now: opens its alert, or counts one more sighting of the open one (announcing it when
/// its severity went up). Two checks seeing the same condition at once open one alert.
pub async fn observe(ctx: &impl AlertsEnv, sighting: Sighting<'_>) -> PortResult<Observed> {
    let now = ctx.clock().now();
    let alerts = &ctx.stores().alerts;
    for _ in 0..TRIES {
        let condition = alerts.condition(sighting.key).await?;
        if let Some(open) = condition.open {
            let escalated = sighting.severity > open.severity;
            // A flapping alert is announced once it has lasted the quiet period, or when it gets worse.
            let announce_now = !open.notified && (lasted(open.raised_at, now, QUIET_PERIOD) || escalated);
            let read_severity = open.severity;
            let seen = Alert {
                severity: sighting.severity,
                message: sighting.message.clone(),
                notified: open.notified || announce_now,
                ..open
            };
            match alerts.seen_again(&seen, read_severity, now).await {
                Ok(alert) => {
                    if announce_now {
                        notify(ctx, AlertChange::Opened, &alert).await?;
                    } else if escalated && alert.notified {
                        notify(ctx, AlertChange::Escalated, &alert).await?;
                    } else if alert.notified && !alert.announced && lasted(alert.raised_at, now, RESEND_AFTER) {
                        // Its opening was not delivered (the send failed, or the job has not run yet): again, under
                        // the same job id, so it is delivered once.
                        notify(ctx, AlertChange::Opened, &alert).await?;
                    }
                    return Ok(Observed::Repeated(alert));
                }
                // Resolved, or its severity changed, meanwhile: read it again.
                Err(error) if lost_race(&error) => continue,
                Err(error) => return Err(error),
            }
        }
        let mut alert = Alert::open(
            sighting.severity,
            sighting.source,
            sighting.key,
            sighting.message.clone(),
            sighting.details.clone(),
            now,
        );
        alert.notified = condition.last_resolved_at.is_none_or(|at| lasted(at, now, QUIET_PERIOD));
        match alerts.open(&alert).await {
            Ok(()) => {
                if alert.notified {
                    notify(ctx, AlertChange::Opened, &alert).await?;
                }
                return Ok(Observed::Opened(alert));
            }
            // Another check opened it first: count this sighting on theirs.
            Err(error) if lost_race(&error) => continue,
            Err(error) => return Err(error),
        }
    }
    Err(PortError::Conflict { op_index: None })
}

/// Whether `since` is at least `long` before `now`.
fn lasted(since: chrono::DateTime<chrono::Utc>, now: chrono::DateTime<chrono::Utc>, long: Duration) -> bool {
    (now - since).to_std().is_ok_and(|age| age >= long)
}

/// The condition no longer holds: resolves its open alert (announcing it when its opening was), or does
/// nothing when it has none — but sends again a resolution that was not delivered. One read when there is
/// nothing to resolve.
pub async fn clear(ctx: &impl AlertsEnv, key: &str) -> PortResult<Option<Alert>> {
    let now = ctx.clock().now();
    let alerts = &ctx.stores().alerts;
    let condition = alerts.condition(key).await?;
    let Some(open) = condition.open else {
        if let Some(pending) = condition.resolution_pending
            && let Some(resolved) = alerts.get(&pending).await?
        {
            notify(ctx, AlertChange::Resolved, &resolved).await?;
        }
        return Ok(None);
    };
    match alerts.resolve(&open, now).await {
        Ok(()) => {
            let resolved = Alert { state: AlertState::Resolved, resolved_at: Some(now), ..open };
            if resolved.notified {
                notify(ctx, AlertChange::Resolved, &resolved).await?;
            }
            Ok(Some(resolved))
        }
        // Another check resolved it first (and announced it).
        Err(error) if lost_race(&error) => Ok(None),
        Err(error) => Err(error),
    }
}

/// `alert` resolved and its resolution has not been delivered (it is still in the open list): sends it again once
/// it is `RESEND_AFTER` old (the first send may have failed after the resolution was stored). Whether it did.
pub async fn resend_resolution(ctx: &impl AlertsEnv, alert: &Alert) -> PortResult<bool> {
    let overdue = alert.resolved_at.is_some_and(|at| lasted(at, ctx.clock().now(), RESEND_AFTER));
    if alert.state != AlertState::Resolved || !alert.notified || !overdue {
        return Ok(false);
    }
    notify(ctx, AlertChange::Resolved, alert).await.map(|()| true)
}

#[derive(Debug, thiserror::Error)]
pub enum AcknowledgeError {
    #[error("no alert {0}")]
    NotFound(AlertId),
    /// Already acknowledged, or resolved.
    #[error("the alert is {0:?}")]
    NotOpen(AlertState),
    #[error(transparent)]
    Port(#[from] PortError),
}

/// An admin has seen an open alert: it stays open until its condition clears, and says who saw it.
pub async fn acknowledge(ctx: &impl AlertsEnv, id: &AlertId, by: &str) -> Result<Alert, AcknowledgeError> {
    match ctx.stores().alerts.acknowledge(id, by, ctx.clock().now()).await {
        Ok(alert) => Ok(alert),
        Err(error) if lost_race(&error) => match ctx.stores().alerts.get(id).await? {
            Some(alert) => Err(AcknowledgeError::NotOpen(alert.state)),
            None => Err(AcknowledgeError::NotFound(id.clone())),
        },
        Err(error) => Err(error.into()),
    }
}

/// When a change of `alert` happened.
fn changed_at(alert: &Alert, change: AlertChange) -> chrono::DateTime<chrono::Utc> {
    match change {
        AlertChange::Opened => Some(alert.raised_at),
        AlertChange::Escalated => alert.last_seen_at,
        AlertChange::Resolved => alert.resolved_at,
    }
    .unwrap_or(alert.raised_at)
}

/// The name of a change of `alert` wherever it must be told apart from every other and delivered once: the
/// notice's job id, its event's, its notification's and its e-mail line's. An escalation is named by when it
/// happened too (an alert may escalate twice: info, warning, critical).
fn change_key(alert: &Alert, change: AlertChange) -> String {
    let mut key = format!("alert:{}:{}", alert.id, change.as_str());
    if change == AlertChange::Escalated {
        key.push_str(&format!(":{}", changed_at(alert, change).timestamp_millis()));
    }
    key
}

/// Queues a change for the channels under a job id of the change (`change_key`), so a notice sent again is
/// delivered once.
async fn notify(ctx: &impl AlertsEnv, change: AlertChange, alert: &Alert) -> PortResult<()> {
    let id = JobId(change_key(alert, change));
    let message = AlertNotice { change, alert: alert.clone() };
    dispatch_as(ctx.queue(), ctx.clock(), id, ALERT_JOB, &message, Priority::Notifications).await.map(|_| ())
}

/// What the admins' dashboard is told of a change (`change_key` names it), filed `at` its announcement.
fn dashboard_notification(
    change: AlertChange,
    alert: &Alert,
    change_key: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Notification {
    let severity = alert.severity.as_str();
    let (title, severity) = match change {
        AlertChange::Opened => (format!("{} alert: {}", capitalised(severity), alert.source), alert.severity),
        AlertChange::Escalated => (format!("Alert escalated to {severity}: {}", alert.source), alert.severity),
        AlertChange::Resolved => (format!("Resolved ({severity}): {}", alert.source), AlertSeverity::Info),
    };
    Notification {
        id: NotificationId::of(at, change_key),
        kind: "system_alert".into(),
        severity,
        title,
        body: alert.message.clone(),
        about: Some(format!("alert:{}", alert.id)),
        created_at: at,
    }
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// Registers the job that delivers what the alerts announce.
pub fn register_jobs<C: HasStores + crate::deps::HasQueue + crate::deps::HasClock + Sync + 'static>(
    registry: &mut JobRegistry<C>,
) {
    registry.register(ALERT_JOB, DeliverAlert);
}

/// `system.alert`: hands the change to each channel and writes it to the log, where the CloudWatch alarm on
/// `alert_severity = critical` pages the operator. Each channel is a job of its own, so a failing channel holds
/// up no other and is retried by itself, sent once per change however often this runs: the admins' real-time
/// channel is a `SystemAlert` domain event (`event.publish`), the dashboard's a notification in the admins'
/// inbox (`notification.deliver`), the admins' e-mail a line in each address's outbox (`alert.mail`). (A notice queued before alerts were stored when raised records its alert.)
struct DeliverAlert;

/// Claimed (the default), not run by its effect alone: the log line that pages the operator is the effect, and
/// it is written last, once the channels have their jobs.
#[async_trait::async_trait]
impl<C: HasStores + crate::deps::HasQueue + crate::deps::HasClock + Sync> JobHandler<C> for DeliverAlert {
    async fn handle(&self, ctx: &C, job: &Job, _attempt: u32) -> Result<(), JobError> {
        let AlertNotice { change, alert } = payload(job)?;
        if change == AlertChange::Opened {
            // A lifecycle alert was stored when it opened (the put is refused); a notice queued before alerts had a
            // lifecycle goes into the history.
            match ctx.stores().alerts.record_legacy(&alert).await {
                Ok(()) | Err(PortError::Conflict { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        // When the change happened, not when this ran: a retry publishes the same event and notification.
        let at = changed_at(&alert, change);
        let about = change_key(&alert, change);
        let event = DomainEvent::SystemAlert {
            alert_id: alert.id.clone(),
            change,
            severity: alert.severity,
            source: alert.source.clone(),
            message: alert.message.clone(),
            timestamp: at,
        };
        crate::events::try_publish_once(ctx, &about, event).await?;
        // The dashboard's notification is filed when it was announced (its message's dispatch: the same for every
        // redelivery of it), not when the change happened: a flapping alert announced half an hour after it opened,
        // or a resolution sent again, is new to an admin who marked everything read meanwhile.
        let announced_at = job.dispatched_at;
        let notification = dashboard_notification(change, &alert, &about, announced_at);
        crate::notifications::notify(ctx, Inbox::Admins, notification).await?;
        let line = store::PendingMail {
            alert_id: alert.id.clone(),
            change,
            severity: alert.severity,
            source: alert.source.clone(),
            condition: alert.dedup_key.clone(),
            message: alert.message.clone(),
            occurrences: alert.occurrences,
            at,
            change_key: about,
        };
        crate::alert_mail::announce(ctx, &line).await?;
        // Delivered: the sightings and clears stop sending it again.
        match change {
            AlertChange::Opened => ctx.stores().alerts.opening_announced(&alert.id).await?,
            AlertChange::Resolved => ctx.stores().alerts.resolution_announced(&alert.dedup_key, &alert.id).await?,
            AlertChange::Escalated => {}
        }
        tracing::warn!(
            alert_id = %alert.id,
            alert_change = change.as_str(),
            alert_severity = ?alert.severity,
            alert_source = alert.source,
            alert_key = alert.dedup_key,
            occurrences = alert.occurrences,
            alert_message = alert.message,
            "system alert"
        );
        Ok(())
    }
}
