//! Executing a rebalance plan: one migration job per client on the `low` queue; the worker moves the client
//! from one server's panel to the other's and moves it between the servers' counters.
//!
//! A migration is safe to redeliver at every step. The panel calls are idempotent (adding a client that exists,
//! removing one that does not, both succeed). The store moves in one transaction: the client record from
//! source to target (conditioned on it still being active on the source), the source's `used` down by one and
//! the target's up by one (conditioned on the target being up with a free slot). A redelivery after that
//! transaction finds the client on the target and only finishes removing it from the source's panel, so the
//! counters move once. A migration that does not move (a full or unavailable target, a client moved elsewhere
//! meanwhile) takes its copy off the target's panel again. Clients of orders still being provisioned are never
//! moved: provisioning settles their counters first. Job ids are unique per execution, so a later execution
//! can move a client a former one could not.

use super::InventoryEnv;
use super::Migration;
use chrono::{DateTime, Utc};
use futures_util::future::try_join_all;
use platform::jobs::{JobError, dispatch_as};
use proxy_core::domain::{ClientId, JobId, OrderId, OrderStatus, Plan, PlanId, Priority, ServerId, ServerStatus};
use proxy_core::error::PortError;
use proxy_core::ports::PanelClientSpec;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

pub const MIGRATE_JOB: &str = "inventory.migrate_client";

/// Jobs sent at once.
const CONCURRENT_SENDS: usize = 10;

/// The job's payload: which client, from where to where, and the plan (inbound) on each side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MigrateClient {
    pub client_id: ClientId,
    pub from: ServerId,
    pub from_plan: PlanId,
    pub to: ServerId,
    pub to_plan: PlanId,
    /// Queued to empty a draining source: it does not move once the source is back in service.
    #[serde(default)]
    pub source_draining: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueuedMigration {
    pub job_id: JobId,
    #[serde(flatten)]
    pub migration: MigrateClient,
}

/// Orders provisioning has not finished: their clients are not moved.
async fn unsettled_orders(ctx: &impl InventoryEnv) -> Result<BTreeSet<OrderId>, PortError> {
    let now = ctx.clock().now();
    let (new, processing) = futures_util::future::try_join(
        ctx.stores().orders.by_status(OrderStatus::New, DateTime::<Utc>::UNIX_EPOCH, now),
        ctx.stores().orders.by_status(OrderStatus::Processing, DateTime::<Utc>::UNIX_EPOCH, now),
    )
    .await?;
    Ok(new.into_iter().chain(processing).map(|o| o.id).collect())
}

/// Queues one migration job per client the plan moves: for each step, that many active clients of the source
/// whose plan's protocol the target sells (oldest first), each to the target's first active plan of that
/// protocol.
pub async fn execute_plan(
    ctx: &impl InventoryEnv,
    plan: &[Migration],
    plans: &[Plan],
) -> Result<Vec<QueuedMigration>, PortError> {
    let plans_by_id: BTreeMap<&PlanId, &Plan> = plans.iter().map(|p| (&p.id, p)).collect();
    let unsettled = unsettled_orders(ctx).await?;
    let execution = uuid::Uuid::new_v4().simple().to_string();
    let mut chosen: Vec<QueuedMigration> = Vec::new();
    let mut picked: BTreeSet<ClientId> = BTreeSet::new();
    for step in plan {
        let target_plan_of = |protocol: &str| {
            plans
                .iter()
                .filter(|p| p.server_id == step.to && p.is_active && p.protocol == protocol)
                .min_by(|a, b| a.id.as_str().cmp(b.id.as_str()))
        };
        let mut taken = 0u64;
        for client in ctx.stores().clients.of_server(&step.from, true).await? {
            if taken >= step.clients {
                break;
            }
            if picked.contains(&client.id) || unsettled.contains(&client.order_id) {
                continue;
            }
            let Some(protocol) = plans_by_id.get(&client.plan_id).map(|p| p.protocol.as_str()) else { continue };
            if !step.protocols.iter().any(|p| p == protocol) {
                continue;
            }
            let Some(to_plan) = target_plan_of(protocol) else { continue };
            picked.insert(client.id.clone());
            taken += 1;
            chosen.push(QueuedMigration {
                job_id: JobId(format!("migrate:{execution}:{}", client.id)),
                migration: MigrateClient {
                    client_id: client.id.clone(),
                    from: step.from.clone(),
                    from_plan: client.plan_id.clone(),
                    to: step.to.clone(),
                    to_plan: to_plan.id.clone(),
                    source_draining: step.source_draining,
                },
            });
        }
    }
    for batch in chosen.chunks(CONCURRENT_SENDS) {
        try_join_all(batch.iter().map(|queued| async move {
            let (id, migration) = (queued.job_id.clone(), &queued.migration);
            dispatch_as(ctx.queue(), ctx.clock(), id, MIGRATE_JOB, migration, Priority::Low).await
        }))
        .await?;
    }
    Ok(chosen)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Migrated {
    Moved,
    /// A redelivery after the move: only the source panel's copy was (again) removed.
    AlreadyMoved,
    /// Nothing moved, and why.
    ClientGone,
    NotOnSource,
    /// Its order is still being provisioned.
    NotSettled,
    /// Queued to empty a draining server that has been put back into service since.
    SourceBackInService,
    TargetUnavailable,
    TargetFull,
}

/// Runs one migration (the `inventory.migrate_client` job).
pub async fn migrate_client(ctx: &impl InventoryEnv, job: &MigrateClient) -> Result<Migrated, JobError> {
    let Some(client) = ctx.stores().clients.get(&job.client_id).await? else {
        return Ok(Migrated::ClientGone);
    };
    let missing = |what: &str| JobError::InvalidPayload(format!("{what} of migration {} missing", job.client_id));
    let (source, from_plan) =
        futures_util::future::join(ctx.stores().catalog.server(&job.from), ctx.stores().catalog.plan(&job.from_plan))
            .await;
    let (source, from_plan) =
        (source?.ok_or_else(|| missing("source server"))?, from_plan?.ok_or_else(|| missing("source plan"))?);
    if client.server_id == job.to {
        ctx.panel().remove_client(&source, from_plan.inbound_id, &client.id).await?;
        return Ok(Migrated::AlreadyMoved);
    }
    if client.server_id != job.from || !client.is_active {
        return Ok(Migrated::NotOnSource);
    }
    if job.source_draining && source.status != ServerStatus::Draining {
        return Ok(Migrated::SourceBackInService);
    }
    let order = ctx.stores().orders.get(&client.order_id).await?;
    if order.is_some_and(|o| matches!(o.order_status, OrderStatus::New | OrderStatus::Processing)) {
        return Ok(Migrated::NotSettled);
    }
    let (target, to_plan) =
        futures_util::future::join(ctx.stores().catalog.server(&job.to), ctx.stores().catalog.plan(&job.to_plan)).await;
    let (target, to_plan) =
        (target?.ok_or_else(|| missing("target server"))?, to_plan?.ok_or_else(|| missing("target plan"))?);
    if target.status != ServerStatus::Up {
        return Ok(Migrated::TargetUnavailable);
    }
    let spec = PanelClientSpec {
        id: client.id.clone(),
        email: client.panel_email.clone().unwrap_or_else(|| client.id.to_string()),
        inbound_id: to_plan.inbound_id,
        // What is left of its traffic (the new panel counts from zero); at least a byte, since 0 is unlimited.
        total_bytes: client
            .traffic_limit_bytes
            .map(|l| l.saturating_sub(client.traffic_used_bytes).max(1))
            .unwrap_or(0),
        expiry_time_ms: client.expires_at.timestamp_millis(),
    };
    ctx.panel().add_client(&target, &spec).await?;

    let ops = vec![
        ctx.stores().clients.move_op(&client, &job.to, &job.to_plan),
        ctx.stores().catalog.move_out_op(&job.from),
        ctx.stores().catalog.move_in_op(&job.to),
    ];
    let outcome = match ctx.stores().commit(ops).await {
        Ok(()) => {
            crate::cached::inventory_changed(ctx).await;
            None
        }
        Err(PortError::Conflict { op_index }) => {
            let now_on = ctx.stores().clients.get(&job.client_id).await?.map(|c| c.server_id);
            if now_on.as_ref() == Some(&job.to) {
                // Another delivery moved it between our read and our transaction.
                ctx.panel().remove_client(&source, from_plan.inbound_id, &client.id).await?;
                return Ok(Migrated::AlreadyMoved);
            }
            Some(match op_index {
                Some(2) => Ok(Migrated::TargetFull),
                _ if now_on.as_ref() != Some(&job.from) => Ok(Migrated::NotOnSource),
                _ => Err(PortError::Conflict { op_index }),
            })
        }
        Err(e) => Some(Err(e)),
    };
    if let Some(not_moved) = outcome {
        // Not moved, whatever the reason: the copy on the target's panel goes (a retry adds it again).
        ctx.panel().remove_client(&target, to_plan.inbound_id, &client.id).await?;
        return not_moved.map_err(JobError::from);
    }
    ctx.panel().remove_client(&source, from_plan.inbound_id, &client.id).await?;
    tracing::info!(client_id = %client.id, from = %job.from, to = %job.to, "client migrated");
    Ok(Migrated::Moved)
}
