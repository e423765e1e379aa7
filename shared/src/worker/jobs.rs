//! The job handlers, registered by type.

use super::{JobError, JobHandler, JobRegistry, RunOnce};
use crate::app::AppContext;
use crate::domain::{Alert, Job};
use crate::error::PortError;
use async_trait::async_trait;

pub fn register_all(registry: &mut JobRegistry) {
    registry.register(crate::services::alerts::ALERT_JOB, RecordAlert);
    registry.register(crate::services::provisioning::PROVISION_JOB, ProvisionOrder);
    registry.register(crate::services::events::EVENT_JOB, RecordEvent);
    registry.register(crate::services::events::ORDER_FACT_JOB, CountOrder);
    registry.register(crate::services::events::ORDER_CANCELLED_JOB, UncountOrder);
    registry.register(crate::services::inventory::migration::MIGRATE_JOB, MigrateClient);
}

fn payload<T: serde::de::DeserializeOwned>(job: &Job) -> Result<T, JobError> {
    serde_json::from_value(job.payload.clone()).map_err(|e| JobError::InvalidPayload(e.to_string()))
}

/// `order.provision {order_id}`: see `services::provisioning`.
struct ProvisionOrder;

#[async_trait]
impl JobHandler for ProvisionOrder {
    async fn handle(&self, ctx: &AppContext, job: &Job, attempt: u32) -> Result<(), JobError> {
        let crate::services::provisioning::ProvisionJob { order_id } = payload(job)?;
        let outcome = crate::services::provisioning::provision(ctx, &order_id, attempt).await?;
        tracing::info!(order_id = %order_id, ?outcome, "order provisioned");
        Ok(())
    }
}

/// `inventory.migrate_client`: see `services::inventory::migration`. Claimed (the default): it calls two
/// panels, which no store condition can make run once.
struct MigrateClient;

#[async_trait]
impl JobHandler for MigrateClient {
    async fn handle(&self, ctx: &AppContext, job: &Job, _attempt: u32) -> Result<(), JobError> {
        let migration: crate::services::inventory::migration::MigrateClient = payload(job)?;
        let outcome = crate::services::inventory::migration::migrate_client(ctx, &migration).await?;
        tracing::info!(client_id = %migration.client_id, ?outcome, "client migration done");
        Ok(())
    }
}

/// `event.publish`: a domain event, recorded in its customer's feed (which the real-time service pushes).
struct RecordEvent;

#[async_trait]
impl JobHandler for RecordEvent {
    /// One write, once: the feed entry is put under the job id, once (`FeedStore::record`).
    fn run_once(&self) -> RunOnce {
        RunOnce::ByItsEffect
    }

    async fn handle(&self, ctx: &AppContext, job: &Job, _attempt: u32) -> Result<(), JobError> {
        let event: crate::domain::DomainEvent = payload(job)?;
        ctx.stores.feed.record(job.id.as_str(), &event).await?;
        tracing::info!(event = event.name(), channels = ?event.channels(), "event recorded");
        Ok(())
    }
}

/// `analytics.order_placed`: an order fact, added once to the daily sales counters.
struct CountOrder;

#[async_trait]
impl JobHandler for CountOrder {
    /// One write, once: the counters move in one transaction with the order's counted-once guard.
    fn run_once(&self) -> RunOnce {
        RunOnce::ByItsEffect
    }

    async fn handle(&self, ctx: &AppContext, job: &Job, _attempt: u32) -> Result<(), JobError> {
        let fact: crate::domain::OrderFact = payload(job)?;
        ctx.stores.stats.record_order(&fact).await?;
        Ok(())
    }
}

/// `analytics.order_cancelled`: a cancelled order's fact, taken back out of the daily sales counters once
/// it has been counted (a conflict until then: the message is retried).
struct UncountOrder;

#[async_trait]
impl JobHandler for UncountOrder {
    /// One write, once: the counters move in one transaction with the order's withdrawn-once guard.
    fn run_once(&self) -> RunOnce {
        RunOnce::ByItsEffect
    }

    async fn handle(&self, ctx: &AppContext, job: &Job, _attempt: u32) -> Result<(), JobError> {
        let fact: crate::domain::OrderFact = payload(job)?;
        ctx.stores.stats.withdraw_order(&fact).await?;
        Ok(())
    }
}

/// `system.alert`: records the alert for the admin dashboards and writes it to the log, where the CloudWatch
/// alarm on `alert_severity = critical` pages the operator.
struct RecordAlert;

/// Claimed (the default), not run by its effect alone: the log line that pages the operator is a second effect,
/// and a delivery whose put committed unseen must still log it.
#[async_trait]
impl JobHandler for RecordAlert {
    async fn handle(&self, ctx: &AppContext, job: &Job, _attempt: u32) -> Result<(), JobError> {
        let alert: Alert = payload(job)?;
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
