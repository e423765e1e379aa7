//! Reconciliation: recompute every server's counters from what they count — provisioned clients (`used`) and
//! the units of orders not provisioned yet (`held`) — and repair the ones that drifted.
//!
//! Counting takes a while, and checkout, provisioning and cancellation go on meanwhile. Every change to a
//! counter goes with the change it counts in one transaction, so the servers are read before and after the
//! count: a server whose counters moved in between is left for the next run (the count may have seen half of
//! the change), and a repair is conditioned on the counters it corrects, so a transaction landing after the
//! second read makes the repair fail rather than be overwritten. Clients of orders still `new` or
//! `processing` count as held, not used: provisioning records its clients before the transaction that turns
//! held into used.
//!
//! The count reads indexes, which DynamoDB updates a moment after the write (an order committed just before
//! the count may be missing from it while its server's counters already show it). So a drift is only
//! repaired when the next run (15 minutes later) finds the same counters and counts the same again: the first
//! sighting is recorded as a suspect, and reported.

use super::InventoryEnv;
use chrono::{DateTime, Utc};
use futures_util::future::try_join_all;
use proxy_core::domain::{DriftSuspect, OrderId, OrderStatus, Server, ServerId, SlotCounters, units_per_server};
use proxy_core::error::PortError;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// How many servers' clients (or orders' lines) are read at once.
const CONCURRENT_COUNTS: usize = 16;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CounterFix {
    pub server_id: ServerId,
    pub name: String,
    pub before: SlotCounters,
    pub after: SlotCounters,
    /// More committed than the server's capacity: `free` is 0, and the excess is this many slots.
    pub over_capacity_by: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Reconciliation {
    pub servers_checked: usize,
    pub fixed: Vec<CounterFix>,
    /// Drift seen for the first time: repaired by the next run if it finds it unchanged.
    #[serde(default)]
    pub suspected: Vec<CounterFix>,
    /// Servers whose counters changed while they were being counted: left for the next run.
    pub changed_while_counting: Vec<ServerId>,
}

/// The counters a server should have, from its clients and pending units.
fn expected(server: &Server, used: u32, held: u32) -> (SlotCounters, u32) {
    let committed = used + held;
    let free = server.max_clients.saturating_sub(committed);
    (SlotCounters { used, held, free }, committed.saturating_sub(server.max_clients))
}

pub async fn reconcile(ctx: &impl InventoryEnv) -> Result<Reconciliation, PortError> {
    let suspects = ctx.stores().inventory.drift_suspects().await?;
    let before = ctx.stores().catalog.servers().await?;

    // Held: the units of every order provisioning has not finished.
    let mut pending: BTreeSet<OrderId> = BTreeSet::new();
    for status in [OrderStatus::New, OrderStatus::Processing] {
        let orders = ctx.stores().orders.by_status(status, DateTime::<Utc>::UNIX_EPOCH, ctx.clock().now()).await?;
        pending.extend(orders.into_iter().map(|o| o.id));
    }
    let pending_ids: Vec<&OrderId> = pending.iter().collect();
    let mut lines = Vec::new();
    for chunk in pending_ids.chunks(CONCURRENT_COUNTS) {
        lines.extend(try_join_all(chunk.iter().map(|order| ctx.stores().orders.lines(order))).await?);
    }
    let held = units_per_server(lines.iter().flatten());

    // Used: active clients of orders no longer pending.
    let mut used: BTreeMap<ServerId, u32> = BTreeMap::new();
    for chunk in before.chunks(CONCURRENT_COUNTS) {
        let counts = try_join_all(chunk.iter().map(|server| {
            let pending = &pending;
            async move {
                let clients = ctx.stores().clients.of_server(&server.id, true).await?;
                let used = clients.iter().filter(|c| !pending.contains(&c.order_id)).count();
                Ok::<_, PortError>((server.id.clone(), u32::try_from(used).unwrap_or(u32::MAX)))
            }
        }))
        .await?;
        used.extend(counts);
    }

    let after: BTreeMap<ServerId, Server> =
        ctx.stores().catalog.servers().await?.into_iter().map(|s| (s.id.clone(), s)).collect();
    let mut report = Reconciliation { servers_checked: before.len(), ..Default::default() };
    for server in &before {
        let Some(now) = after.get(&server.id) else { continue };
        let (want, over_capacity_by) =
            expected(server, used.get(&server.id).copied().unwrap_or(0), held.get(&server.id).copied().unwrap_or(0));
        if SlotCounters::of(now) != SlotCounters::of(server) || now.max_clients != server.max_clients {
            report.changed_while_counting.push(server.id.clone());
            continue;
        }
        let counters = SlotCounters::of(server);
        let suspect = suspects.get(&server.id);
        if counters == want {
            if suspect.is_some() {
                ctx.stores().inventory.clear_drift_suspect(&server.id).await?;
            }
            continue;
        }
        let fix = CounterFix {
            server_id: server.id.clone(),
            name: server.name.clone(),
            before: counters,
            after: want,
            over_capacity_by,
        };
        if suspect.is_none_or(|s| s.counters != counters || s.counted != want) {
            let sighting =
                DriftSuspect { server_id: server.id.clone(), counters, counted: want, seen_at: ctx.clock().now() };
            ctx.stores().inventory.put_drift_suspect(&sighting).await?;
            report.suspected.push(fix);
            continue;
        }
        match ctx.stores().catalog.repair_counters(&server.id, counters, want).await {
            Ok(()) => {
                tracing::warn!(server_id = %server.id, before = ?counters, after = ?want, "capacity counters repaired");
                ctx.stores().inventory.clear_drift_suspect(&server.id).await?;
                report.fixed.push(fix);
            }
            Err(PortError::Conflict { .. }) => report.changed_while_counting.push(server.id.clone()),
            Err(e) => return Err(e),
        }
    }
    Ok(report)
}
