//! The scheduled `inventory-check` (every 15 minutes).

use crate::{InventoryEnv, InventorySettings};
use api::schedule::parse_invocation;

/// `INVENTORY_CHECK`: expires holds, repairs counters, moves bands, scales and forecasts. Fails (so the run's
/// failure shows in the function's metrics) when a step failed, after archiving what the other steps did.
pub async fn check(ctx: &impl InventoryEnv, payload: serde_json::Value) -> Result<serde_json::Value, String> {
    let invocation = parse_invocation(&payload)?;
    let run = crate::run_check(ctx, &InventorySettings::default())
        .await
        .map_err(|e| format!("inventory check failed: {e}"))?;
    let summary = serde_json::json!({
        "invoked_by": invocation.source,
        "ran_at": run.ran_at,
        "holds_expired": run.holds.as_ref().map(|h| h.expired.len()),
        "counters_repaired": run.reconciliation.as_ref().map(|r| r.fixed.len()),
        "band_changes": run.band_changes.len(),
        "scaling": run.scaling.iter().map(|s| serde_json::json!({"location": s.decision.location, "action": s.decision.action, "applied": s.applied})).collect::<Vec<_>>(),
        "servers_running_out": run.forecast.as_ref().map(|f| f.servers_running_out),
    });
    if run.errors.is_empty() {
        Ok(summary)
    } else {
        Err(format!("inventory check: {} (the rest ran: {summary})", run.errors.join("; ")))
    }
}

/// `CLIENT_EXPIRY`: queues the expiry of every client past its subscription and tells the customers of those
/// expiring within three days. Fails (so it shows in the function's metrics) when a step failed, after doing
/// the rest.
pub async fn client_expiry(ctx: &impl InventoryEnv, payload: serde_json::Value) -> Result<serde_json::Value, String> {
    let invocation = parse_invocation(&payload)?;
    let lookback = match payload.get("lookback_days") {
        None => crate::expiry::EXPIRY_LOOKBACK,
        Some(days) => match days.as_i64() {
            Some(days) if (1..=crate::expiry::MAX_LOOKBACK_DAYS).contains(&days) => chrono::Duration::days(days),
            _ => {
                return Err(format!(
                    "lookback_days must be a whole number of days from 1 to {}",
                    crate::expiry::MAX_LOOKBACK_DAYS
                ));
            }
        },
    };
    let sweep = crate::expiry::sweep(ctx, lookback).await.map_err(|e| format!("client expiry failed: {e}"))?;
    let summary = serde_json::json!({
        "invoked_by": invocation.source,
        "lookback_days": lookback.num_days(),
        "queued": sweep.queued,
        "noticed": sweep.noticed,
    });
    if sweep.failed.is_empty() {
        Ok(summary)
    } else {
        Err(format!("client expiry: {} (the rest ran: {summary})", sweep.failed.join("; ")))
    }
}
