//! The job handlers, registered by type.

use super::{JobError, JobHandler, JobRegistry};
use crate::app::AppContext;
use crate::domain::{Alert, Job};
use crate::error::PortError;
use async_trait::async_trait;

pub fn register_all(registry: &mut JobRegistry) {
    registry.register(crate::services::alerts::ALERT_JOB, RecordAlert);
}

/// `system.alert`: records the alert for the admin dashboards and writes it to the log, where the CloudWatch
/// alarm on `alert_severity = critical` pages the operator.
struct RecordAlert;

#[async_trait]
impl JobHandler for RecordAlert {
    async fn handle(&self, ctx: &AppContext, job: &Job) -> Result<(), JobError> {
        let alert: Alert = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobError::InvalidPayload(e.to_string()))?;
        match ctx.stores.alerts.record(&alert).await {
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
