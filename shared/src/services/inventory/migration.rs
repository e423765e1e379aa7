//! Executing a rebalance plan: one migration job per client on the `low` queue; the worker moves the client
//! from one server's panel to the other's and moves it between the servers' counters.
//!
//! A migration is safe to redeliver at every step. The panel calls are idempotent (adding a client that exists,
//! removing one that does not, both succeed). The store moves in one transaction: the client record from
//! source to target (conditioned on it still being on the source), the source's `used` down by one and the
//! target's up by one (conditioned on the target being up with a free slot). A redelivery after that
//! transaction finds the client on the target and only finishes removing it from the source's panel, so the
//! counters move once. A target that filled up meanwhile ends the migration without a move (the client stays
//! where it is, the copy on the target's panel is removed). Jobs are named after client, source and target, so
//! two executions of one plan queue each move once (the worker's claim runs a job id once).

use super::Migration;
use crate::app::AppContext;
use crate::domain::{ClientId, JobId, Plan, PlanId, Priority, ServerId, ServerStatus};
use crate::error::PortError;
use crate::ports::PanelClientSpec;
use crate::worker::{JobError, dispatch_as};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

pub const MIGRATE_JOB: &str = "inventory.migrate_client";

/// The job's payload: which client, from where to where, and the plan (inbound) on each side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MigrateClient {
    pub client_id: ClientId,
    pub from: ServerId,
    pub from_plan: PlanId,
    pub to: ServerId,
    pub to_plan: PlanId,
}

impl MigrateClient {
    pub fn job_id(&self) -> JobId {
        JobId(format!("migrate:{}:{}:{}", self.client_id, self.from, self.to))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueuedMigration {
    pub job_id: JobId,
    #[serde(flatten)]
    pub migration: MigrateClient,
}

/// Queues one migration job per client the plan moves: for each step, that many active clients of the source
/// whose plan's protocol the target sells (oldest first), each to the target's first active plan of that
/// protocol. Clients of orders still being provisioned are not picked (provisioning settles them first).
pub async fn execute_plan(
    ctx: &AppContext,
    plan: &[Migration],
    plans: &[Plan],
) -> Result<Vec<QueuedMigration>, PortError> {
    let plans_by_id: BTreeMap<&PlanId, &Plan> = plans.iter().map(|p| (&p.id, p)).collect();
    let mut queued = Vec::new();
    let mut picked: BTreeSet<ClientId> = BTreeSet::new();
    for step in plan {
        let target_plan_of = |protocol: &str| {
            plans
                .iter()
                .filter(|p| p.server_id == step.to && p.is_active && p.protocol == protocol)
                .min_by(|a, b| a.id.as_str().cmp(b.id.as_str()))
        };
        let clients = ctx.stores.clients.of_server(&step.from, true).await?;
        for client in clients {
            if queued
                .iter()
                .filter(|q: &&QueuedMigration| q.migration.to == step.to && q.migration.from == step.from)
                .count() as u64
                >= step.clients
            {
                break;
            }
            if picked.contains(&client.id) {
                continue;
            }
            let Some(protocol) = plans_by_id.get(&client.plan_id).map(|p| p.protocol.as_str()) else { continue };
            if !step.protocols.iter().any(|p| p == protocol) {
                continue;
            }
            let Some(to_plan) = target_plan_of(protocol) else { continue };
            let migration = MigrateClient {
                client_id: client.id.clone(),
                from: step.from.clone(),
                from_plan: client.plan_id.clone(),
                to: step.to.clone(),
                to_plan: to_plan.id.clone(),
            };
            let payload = serde_json::to_value(&migration)
                .map_err(|e| PortError::Invalid { backend: crate::error::Backend::Queue, detail: e.to_string() })?;
            let job =
                dispatch_as(&*ctx.queue, &*ctx.clock, migration.job_id(), MIGRATE_JOB, payload, Priority::Low).await?;
            picked.insert(client.id.clone());
            queued.push(QueuedMigration { job_id: job.id, migration });
        }
    }
    Ok(queued)
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
    TargetUnavailable,
    TargetFull,
}

/// Runs one migration (the `inventory.migrate_client` job).
pub async fn migrate_client(ctx: &AppContext, job: &MigrateClient) -> Result<Migrated, JobError> {
    let Some(client) = ctx.stores.clients.get(&job.client_id).await? else {
        return Ok(Migrated::ClientGone);
    };
    let missing = |what: &str| JobError::InvalidPayload(format!("{what} of migration {} missing", job.client_id));
    let (source, from_plan) =
        futures_util::future::join(ctx.stores.catalog.server(&job.from), ctx.stores.catalog.plan(&job.from_plan)).await;
    let (source, from_plan) =
        (source?.ok_or_else(|| missing("source server"))?, from_plan?.ok_or_else(|| missing("source plan"))?);
    if client.server_id == job.to {
        ctx.panel.remove_client(&source, from_plan.inbound_id, &client.id).await?;
        return Ok(Migrated::AlreadyMoved);
    }
    if client.server_id != job.from || !client.is_active {
        return Ok(Migrated::NotOnSource);
    }
    let (target, to_plan) =
        futures_util::future::join(ctx.stores.catalog.server(&job.to), ctx.stores.catalog.plan(&job.to_plan)).await;
    let (target, to_plan) =
        (target?.ok_or_else(|| missing("target server"))?, to_plan?.ok_or_else(|| missing("target plan"))?);
    if target.status != ServerStatus::Up {
        return Ok(Migrated::TargetUnavailable);
    }
    let spec = PanelClientSpec {
        id: client.id.clone(),
        email: client.id.to_string(),
        inbound_id: to_plan.inbound_id,
        total_bytes: client.traffic_limit_bytes.unwrap_or(0),
        expiry_time_ms: client.expires_at.timestamp_millis(),
    };
    ctx.panel.add_client(&target, &spec).await?;

    let moved =
        crate::domain::ServerClient { server_id: job.to.clone(), plan_id: job.to_plan.clone(), ..client.clone() };
    let ops = vec![
        ctx.stores.clients.move_op(&moved, &job.from)?,
        ctx.stores.catalog.move_out_op(&job.from),
        ctx.stores.catalog.move_in_op(&job.to),
    ];
    match ctx.stores.table.transact(ops).await {
        Ok(()) => {}
        Err(PortError::Conflict { op_index }) => {
            let now_on = ctx.stores.clients.get(&job.client_id).await?.map(|c| c.server_id);
            if now_on.as_ref() == Some(&job.to) {
                // Another delivery moved it between our read and our transaction.
                ctx.panel.remove_client(&source, from_plan.inbound_id, &client.id).await?;
                return Ok(Migrated::AlreadyMoved);
            }
            if op_index == Some(2) {
                ctx.panel.remove_client(&target, to_plan.inbound_id, &client.id).await?;
                return Ok(Migrated::TargetFull);
            }
            if now_on.as_ref() != Some(&job.from) {
                return Ok(Migrated::NotOnSource);
            }
            return Err(PortError::Conflict { op_index }.into());
        }
        Err(e) => return Err(e.into()),
    }
    ctx.panel.remove_client(&source, from_plan.inbound_id, &client.id).await?;
    tracing::info!(client_id = %client.id, from = %job.from, to = %job.to, "client migrated");
    Ok(Migrated::Moved)
}
