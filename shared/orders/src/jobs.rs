//! The orders context's background jobs.

use crate::provisioning::{self, PROVISION_JOB, ProvisionJob, ProvisioningEnv};
use platform::jobs::{JobError, JobHandler, JobRegistry, payload};
use proxy_core::domain::Job;

pub fn register<C: ProvisioningEnv + Sync + 'static>(registry: &mut JobRegistry<C>) {
    registry.register(PROVISION_JOB, ProvisionOrder);
}

/// `order.provision {order_id}`: see `provisioning`. Claimed (the default): it calls a panel.
struct ProvisionOrder;

#[async_trait::async_trait]
impl<C: ProvisioningEnv + Sync> JobHandler<C> for ProvisionOrder {
    async fn handle(&self, ctx: &C, job: &Job, attempt: u32) -> Result<(), JobError> {
        let ProvisionJob { order_id } = payload(job)?;
        let outcome = provisioning::provision(ctx, &order_id, attempt).await?;
        tracing::info!(order_id = %order_id, ?outcome, "order provisioned");
        Ok(())
    }
}
