//! Alerts with a lifecycle (Alertmanager's): a condition opens an alert when it starts, is deduplicated while
//! it lasts (one open alert per condition, counting its sightings), can be acknowledged, and resolves when the
//! condition clears. The channels hear of an opening, an escalation and a resolution through the
//! `notifications` queue (`system.alert`), so a slow or failing channel holds up no check. A condition that
//! comes back within `QUIET_PERIOD` of resolving (flapping) opens an alert the channels are not told of — nor
//! of its resolution. (The original e-mailed a hard-coded address every 5 minutes while critical.)

use crate::deps::HasStores;
use crate::jobs::{JobError, JobHandler, JobRegistry, dispatch, payload};
use proxy_core::domain::{Alert, AlertChange, AlertId, AlertSeverity, AlertState, DomainEvent, Job, Priority};
use proxy_core::error::{PortError, PortResult};
use serde::{Deserialize, Serialize};
use std::time::Duration;

crate::env!(
    /// What raising alerts needs: the clock, the queues and the alert store.
    AlertsEnv: crate::deps::HasClock, crate::deps::HasQueue, crate::deps::HasStores
);

pub const ALERT_JOB: &str = "system.alert";
/// A condition that returns within this long after its alert resolved is flapping: not announced again.
pub const QUIET_PERIOD: Duration = Duration::from_secs(30 * 60);
/// Tries of an observation or a resolution that lost a race to another check before it gives up.
const TRIES: usize = 3;

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
    /// A new alert (announced unless the condition is flapping: `alert.notified`).
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
            let seen = Alert { severity: sighting.severity, message: sighting.message.clone(), ..open };
            match alerts.seen_again(&seen, now).await {
                Ok(alert) => {
                    if escalated && alert.notified {
                        notify(ctx, AlertChange::Escalated, &alert).await?;
                    }
                    return Ok(Observed::Repeated(alert));
                }
                // Resolved meanwhile: the condition is back, so it opens again.
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
        let flapping = condition.last_resolved_at.is_some_and(|at| (now - at).to_std().is_ok_and(|d| d < QUIET_PERIOD));
        alert.notified = !flapping;
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

/// The condition no longer holds: resolves its open alert (announcing it when its opening was), or does
/// nothing when it has none. One read when there is nothing to resolve.
pub async fn clear(ctx: &impl AlertsEnv, key: &str) -> PortResult<Option<Alert>> {
    let now = ctx.clock().now();
    let alerts = &ctx.stores().alerts;
    let Some(open) = alerts.condition(key).await?.open else {
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

async fn notify(ctx: &impl AlertsEnv, change: AlertChange, alert: &Alert) -> PortResult<()> {
    let message = AlertNotice { change, alert: alert.clone() };
    dispatch(ctx.queue(), ctx.clock(), ALERT_JOB, &message, Priority::Notifications).await.map(|_| ())
}

/// Registers the job that delivers what the alerts announce.
pub fn register_jobs<C: HasStores + crate::deps::HasQueue + crate::deps::HasClock + Sync + 'static>(
    registry: &mut JobRegistry<C>,
) {
    registry.register(ALERT_JOB, DeliverAlert);
}

/// `system.alert`: hands the change to each channel and writes it to the log, where the CloudWatch alarm on
/// `alert_severity = critical` pages the operator. The admins' real-time channel is a `SystemAlert` domain
/// event (`event.publish`, a job of its own, so a failing channel holds up no other), sent once per change
/// however often this runs. (A notice queued before alerts were stored when raised records its alert.)
struct DeliverAlert;

/// Claimed (the default), not run by its effect alone: the log line that pages the operator is the effect, and
/// it is written last, once the channels have their jobs.
#[async_trait::async_trait]
impl<C: HasStores + crate::deps::HasQueue + crate::deps::HasClock + Sync> JobHandler<C> for DeliverAlert {
    async fn handle(&self, ctx: &C, job: &Job, _attempt: u32) -> Result<(), JobError> {
        let AlertNotice { change, alert } = payload(job)?;
        if change == AlertChange::Opened {
            match ctx.stores().alerts.record(&alert).await {
                // Stored when it opened (or by an earlier attempt): the effect holds.
                Ok(()) | Err(PortError::Conflict { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        let event = DomainEvent::SystemAlert {
            alert_id: alert.id.clone(),
            change,
            severity: alert.severity,
            source: alert.source.clone(),
            message: alert.message.clone(),
            // When the change happened, not when this ran: a retry publishes the same event.
            timestamp: match change {
                AlertChange::Opened => Some(alert.raised_at),
                AlertChange::Escalated => alert.last_seen_at,
                AlertChange::Resolved => alert.resolved_at,
            }
            .unwrap_or(alert.raised_at),
        };
        crate::events::try_publish_once(ctx, &format!("alert:{}:{}", alert.id, change.as_str()), event).await?;
        tracing::warn!(
            alert_id = %alert.id,
            alert_change = change.as_str(),
            alert_severity = ?alert.severity,
            alert_source = alert.source,
            alert_key = alert.dedup_key,
            occurrences = alert.occurrences,
            message = alert.message,
            "system alert"
        );
        Ok(())
    }
}
