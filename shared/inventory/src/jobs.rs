//! The inventory context's background jobs.

use crate::InventoryEnv;
use crate::expiry::{self, EXPIRE_CLIENT_JOB, ExpireClient};
use crate::migration::{self, MIGRATE_JOB, MigrateClient};
use platform::jobs::{JobError, JobHandler, JobRegistry, payload};
use proxy_core::domain::Job;

pub fn register<C: InventoryEnv + Sync + 'static>(registry: &mut JobRegistry<C>) {
    registry.register(MIGRATE_JOB, MigrateClientJob);
    registry.register(EXPIRE_CLIENT_JOB, ExpireClientJob);
}

/// `inventory.expire_client`: see `expiry`. Claimed (the default): it calls a panel.
struct ExpireClientJob;

#[async_trait::async_trait]
impl<C: InventoryEnv + Sync> JobHandler<C> for ExpireClientJob {
    async fn handle(&self, ctx: &C, job: &Job, _attempt: u32) -> Result<(), JobError> {
        let expiry: ExpireClient = payload(job)?;
        let outcome = expiry::expire_client(ctx, &expiry).await?;
        tracing::info!(client_id = %expiry.client_id, ?outcome, "client expiry done");
        Ok(())
    }
}

/// `inventory.migrate_client`: see `migration`. Claimed (the default): it calls two panels, which no store
/// condition can make run once.
struct MigrateClientJob;

#[async_trait::async_trait]
impl<C: InventoryEnv + Sync> JobHandler<C> for MigrateClientJob {
    async fn handle(&self, ctx: &C, job: &Job, _attempt: u32) -> Result<(), JobError> {
        let migration: MigrateClient = payload(job)?;
        let outcome = migration::migrate_client(ctx, &migration).await?;
        tracing::info!(client_id = %migration.client_id, ?outcome, "client migration done");
        Ok(())
    }
}
