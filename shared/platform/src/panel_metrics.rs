//! Provisioning's own telemetry: every call to a server's panel that creates a client, counted per server and
//! hour in the cache — calls, failures, total and slowest latency — and every order's outcome (completed, or
//! disputed after the last attempt) per server it bought from. One round trip per provisioning attempt; the
//! analytics' hourly roll-up copies the hours to the store (`read_hour`), where the server metrics read them.

use chrono::{DateTime, Utc};
use proxy_core::domain::ServerId;
use proxy_core::error::PortResult;
use proxy_core::ports::{Cache, CounterChange, CounterUpdate};
use std::time::Duration;

/// An hour's counters stay a day and a bit (the roll-up catches up on hours a failed run missed).
const HOUR_TTL: Duration = Duration::from_secs(26 * 3600);

/// The counters per server and hour, in the order `read_hour` returns them.
pub const FIELDS: [&str; 6] = ["calls", "failed", "us", "max_us", "completed", "disputed"];

/// One panel call.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelCall {
    pub server: ServerId,
    pub latency: Duration,
    pub ok: bool,
}

/// How an order's provisioning ended, for each server it bought from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Completed,
    Disputed,
}

fn key(server: &ServerId, hour: i64, field: &str) -> String {
    format!("prov:{server}:h:{hour}:{field}")
}

fn hour_of(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(3600)
}

/// Counts an attempt's panel calls and, when it settled the order, its outcome on each server: one round trip.
/// Telemetry never fails provisioning: an error is logged.
pub async fn record(
    cache: &dyn Cache,
    calls: &[PanelCall],
    outcome: Option<(Outcome, &[ServerId])>,
    at: DateTime<Utc>,
) {
    let hour = hour_of(at);
    let update =
        |server: &ServerId, field: &str, change| CounterUpdate { key: key(server, hour, field), change, ttl: HOUR_TTL };
    let mut updates = Vec::new();
    for call in calls {
        let us = i64::try_from(call.latency.as_micros()).unwrap_or(i64::MAX);
        updates.push(update(&call.server, "calls", CounterChange::Add(1)));
        updates.push(update(&call.server, "us", CounterChange::Add(us)));
        updates.push(update(&call.server, "max_us", CounterChange::Max(us)));
        if !call.ok {
            updates.push(update(&call.server, "failed", CounterChange::Add(1)));
        }
    }
    if let Some((outcome, servers)) = outcome {
        let field = match outcome {
            Outcome::Completed => "completed",
            Outcome::Disputed => "disputed",
        };
        updates.extend(servers.iter().map(|server| update(server, field, CounterChange::Add(1))));
    }
    if updates.is_empty() {
        return;
    }
    if let Err(error) = cache.update_counters(&updates).await {
        tracing::warn!(%error, calls = calls.len(), "provisioning telemetry not recorded");
    }
}

/// Each server's counters of one hour (hours since the epoch), in `FIELDS` order; None for a server with
/// nothing that hour. One read.
pub async fn read_hour(cache: &dyn Cache, servers: &[ServerId], hour: i64) -> PortResult<Vec<Option<Vec<i64>>>> {
    crate::counters::read_rows(cache, servers, &FIELDS, |server, field| key(server, hour, field)).await
}
