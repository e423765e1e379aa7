//! Client expiry: a client whose subscription ended is taken off its panel, made inactive and its slot freed,
//! and its customer is told (`ClientStatusChanged`, active -> inactive); three days before, the customer is told
//! it is about to expire (`ClientExpiring`), once.
//!
//! The scheduled sweep (`client-expiry`, hourly) reads the expiry index, one partition per day, and queues one
//! `inventory.expire_client` job per due client on the `low` queue; the worker does the panel call, with the
//! queue's retries and the worker's claim. The job id names the client and its expiry, so a sweep that finds a
//! client again before its job ran queues a job the claim turns into a no-op. The store moves in one
//! transaction (the client inactive and out of the expiry index, conditioned on it being still active on the
//! server it was read on; that server's active count down and free slots up), so a redelivery, or a second
//! sweep, frees the slot once.

use super::InventoryEnv;
use chrono::{DateTime, Duration, Utc};
use platform::events::{publish_once, try_publish_once};
use platform::jobs::{JobError, dispatch_as};
use proxy_core::domain::{ClientId, ClientStatus, DomainEvent, JobId, Priority, ServerClient};
use proxy_core::error::PortError;
use serde::{Deserialize, Serialize};

pub const EXPIRE_CLIENT_JOB: &str = "inventory.expire_client";
/// How long before its expiry a customer is told.
pub const EXPIRY_NOTICE: Duration = Duration::days(3);
/// How far back the hourly sweep looks for clients still active past their expiry (the sweeps that were missed):
/// one index query per day. An operator backfills further once (`{"lookback_days": N}` in the invocation, up to
/// `MAX_LOOKBACK_DAYS`), e.g. after the first deploy, when clients may have expired long before.
pub const EXPIRY_LOOKBACK: Duration = Duration::days(30);
pub const MAX_LOOKBACK_DAYS: i64 = 3650;
/// Clients queued (and noticed) per sweep at most: the rest are the next sweep's.
pub const SWEEP_MAX: usize = 1000;

/// The job's payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpireClient {
    pub client_id: ClientId,
}

/// What a sweep did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExpirySweep {
    /// Clients past their expiry whose job was queued.
    pub queued: usize,
    /// Customers told of a client expiring within `EXPIRY_NOTICE`.
    pub noticed: usize,
    /// What failed (tried again next sweep), with why.
    pub failed: Vec<String>,
}

fn job_id(client: &ServerClient) -> JobId {
    JobId(format!("expire:{}:{}", client.id, client.expires_at.timestamp()))
}

/// Queues the expiry of every active client past its expiry (within `lookback`: `EXPIRY_LOOKBACK` hourly, longer
/// for a backfill) and tells the customers of clients expiring soon.
pub async fn sweep(ctx: &impl InventoryEnv, lookback: Duration) -> Result<ExpirySweep, PortError> {
    let now = ctx.clock().now();
    let (due, soon) = futures_util::future::try_join(
        ctx.stores().clients.expiring_between(now - lookback, now),
        ctx.stores().clients.expiring_between(now, now + EXPIRY_NOTICE),
    )
    .await?;
    let mut report = ExpirySweep::default();
    for client in due.iter().filter(|c| c.is_active && c.expires_at <= now).take(SWEEP_MAX) {
        let payload = ExpireClient { client_id: client.id.clone() };
        match dispatch_as(ctx.queue(), ctx.clock(), job_id(client), EXPIRE_CLIENT_JOB, &payload, Priority::Low).await {
            Ok(_) => report.queued += 1,
            Err(e) => report.failed.push(format!("expiry of client {}: {e}", client.id)),
        }
    }
    let to_notice = soon.iter().filter(|c| c.is_active && c.expires_at > now && c.expiry_notice_at.is_none());
    for client in to_notice.take(SWEEP_MAX) {
        match notice(ctx, client, now).await {
            Ok(true) => report.noticed += 1,
            Ok(false) => {}
            Err(e) => report.failed.push(format!("expiry notice of client {}: {e}", client.id)),
        }
    }
    Ok(report)
}

/// Tells the customer, then marks the client told. The event is sent first so that a failed send leaves the
/// client unmarked (the next sweep tells again); two sweeps telling at once send one event under one key, which
/// the feed records once.
async fn notice(ctx: &impl InventoryEnv, client: &ServerClient, now: DateTime<Utc>) -> Result<bool, PortError> {
    let event = DomainEvent::ClientExpiring {
        client_id: client.id.clone(),
        customer_id: client.customer_id.clone(),
        server_id: client.server_id.clone(),
        order_id: client.order_id.clone(),
        expires_at: client.expires_at,
        timestamp: now,
    };
    try_publish_once(ctx, &format!("client:{}:expiring:{}", client.id, client.expires_at.timestamp()), event).await?;
    ctx.stores().clients.mark_expiry_notice(&client.id, now).await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Expired {
    Expired,
    /// Ended before (a redelivery, or a second sweep's job): nothing more to do.
    AlreadyInactive,
    /// Its expiry moved into the future since it was queued (a renewal): left active.
    NotDue,
    ClientGone,
}

/// Runs one expiry (the `inventory.expire_client` job).
pub async fn expire_client(ctx: &impl InventoryEnv, job: &ExpireClient) -> Result<Expired, JobError> {
    let now = ctx.clock().now();
    let Some(client) = ctx.stores().clients.get(&job.client_id).await? else {
        return Ok(Expired::ClientGone);
    };
    if !client.is_active {
        return Ok(Expired::AlreadyInactive);
    }
    if client.expires_at > now {
        return Ok(Expired::NotDue);
    }
    let missing = |what: &str| JobError::InvalidPayload(format!("{what} of client {} missing", client.id));
    let (server, plan) = futures_util::future::join(
        ctx.stores().catalog.server(&client.server_id),
        ctx.stores().catalog.plan(&client.plan_id),
    )
    .await;
    let (server, plan) = (server?.ok_or_else(|| missing("server"))?, plan?.ok_or_else(|| missing("plan"))?);
    // Off the panel first: a client inactive in the store but still served would be free proxying. (Removing
    // a client the panel no longer has succeeds, so a redelivery repeats it harmlessly.)
    ctx.panel().remove_client(&server, plan.inbound_id, &client.id).await?;
    let ops = vec![ctx.stores().clients.expire_op(&client), ctx.stores().catalog.move_out_op(&client.server_id)];
    match ctx.stores().commit(ops).await {
        Ok(()) => {}
        Err(PortError::Conflict { .. }) => {
            // Ended meanwhile (another delivery), or moved by a migration: read again on the next delivery.
            let now_active = ctx.stores().clients.get(&client.id).await?.is_some_and(|c| c.is_active);
            if !now_active {
                return Ok(Expired::AlreadyInactive);
            }
            return Err(PortError::Conflict { op_index: None }.into());
        }
        Err(e) => return Err(e.into()),
    }
    crate::cached::inventory_changed(ctx).await;
    let event = DomainEvent::ClientStatusChanged {
        client_id: client.id.clone(),
        customer_id: client.customer_id.clone(),
        server_id: client.server_id.clone(),
        order_id: client.order_id.clone(),
        old_status: Some(ClientStatus::Active),
        new_status: ClientStatus::Inactive,
        timestamp: now,
    };
    publish_once(ctx, &format!("client:{}:expired:{}", client.id, client.expires_at.timestamp()), event).await;
    tracing::info!(client_id = %client.id, server_id = %client.server_id, "client expired: off its panel, slot freed");
    Ok(Expired::Expired)
}
