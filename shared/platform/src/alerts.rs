//! Raising alerts: throttled per condition, delivered through the `notifications` queue, recorded by the worker.
//! (The original e-mailed a hard-coded address every 5 minutes while critical; here one alert per condition
//! per throttle window, whatever its severity.)

use crate::deps::HasStores;
use crate::jobs::{JobError, JobHandler, JobRegistry, dispatch, payload};
use proxy_core::domain::{Alert, AlertId, AlertSeverity, Job, Priority};
use proxy_core::error::{PortError, PortResult};
use std::time::Duration;

crate::env!(
    /// What raising alerts needs: the clock, the queues and the cache (throttling).
    AlertsEnv: crate::deps::HasClock, crate::deps::HasQueue, crate::deps::HasCache
);

pub const ALERT_JOB: &str = "system.alert";
pub const THROTTLE: Duration = Duration::from_secs(30 * 60);

/// Raises an alert unless the same condition (`dedup_key`) was raised within the throttle window.
/// Returns the alert when it was sent.
pub async fn raise(
    ctx: &impl AlertsEnv,
    severity: AlertSeverity,
    source: &str,
    dedup_key: &str,
    message: String,
    details: serde_json::Value,
) -> PortResult<Option<Alert>> {
    let throttle_key = format!("alert:throttle:{dedup_key}");
    if !ctx.cache().set_if_absent(&throttle_key, "1", THROTTLE).await? {
        return Ok(None);
    }
    match send(ctx, severity, source, dedup_key, message, details).await {
        Ok(alert) => Ok(Some(alert)),
        Err(e) => {
            // Not sent: lift the throttle so the next check tries again.
            let _ = ctx.cache().delete(&throttle_key).await;
            Err(e)
        }
    }
}

/// Sends an alert without the throttle, for callers whose own state already says it is new (e.g. a server
/// crossing into a capacity band, recorded by a conditional write).
pub async fn send(
    ctx: &impl AlertsEnv,
    severity: AlertSeverity,
    source: &str,
    dedup_key: &str,
    message: String,
    details: serde_json::Value,
) -> PortResult<Alert> {
    let alert = Alert {
        id: AlertId::generate(),
        severity,
        source: source.to_owned(),
        dedup_key: dedup_key.to_owned(),
        message,
        details,
        raised_at: ctx.clock().now(),
    };
    dispatch(ctx.queue(), ctx.clock(), ALERT_JOB, &alert, Priority::Notifications).await?;
    Ok(alert)
}

/// Registers the job that records what `send` sends.
pub fn register_jobs<C: HasStores + Sync + 'static>(registry: &mut JobRegistry<C>) {
    registry.register(ALERT_JOB, RecordAlert);
}

/// `system.alert`: records the alert for the admin dashboards and writes it to the log, where the CloudWatch
/// alarm on `alert_severity = critical` pages the operator.
struct RecordAlert;

/// Claimed (the default), not run by its effect alone: the log line that pages the operator is a second effect,
/// and a delivery whose put committed unseen must still log it.
#[async_trait::async_trait]
impl<C: HasStores + Sync> JobHandler<C> for RecordAlert {
    async fn handle(&self, ctx: &C, job: &Job, _attempt: u32) -> Result<(), JobError> {
        let alert: Alert = payload(job)?;
        match ctx.stores().alerts.record(&alert).await {
            // Already recorded by an earlier attempt that failed before it could say so: the effect holds.
            Ok(()) | Err(PortError::Conflict { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        tracing::warn!(
            alert_id = %alert.id,
            alert_severity = ?alert.severity,
            alert_source = alert.source,
            alert_key = alert.dedup_key,
            message = alert.message,
            "system alert"
        );
        Ok(())
    }
}
