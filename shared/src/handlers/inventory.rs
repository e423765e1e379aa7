//! Inventory for operators: `GET /admin/inventory`, `POST /admin/inventory/rebalance`,
//! `POST /admin/inventory/servers/{id}/status`, and the scheduled `inventory-check`.

use crate::app::AppContext;
use crate::domain::ServerId;
use crate::http::request::{body_text, path_param};
use crate::http::{ApiError, respond};
use crate::routes;
use crate::schedule::parse_invocation;
use crate::services::inventory::{self, InventorySettings, StatusError, requests};

pub async fn overview(ctx: &AppContext, request: lambda_http::Request) -> lambda_http::Response<lambda_http::Body> {
    respond(ctx, request, &routes::INVENTORY_GET, |_, _| async move {
        Ok(inventory::overview(ctx, &InventorySettings::default()).await?)
    })
    .await
}

pub async fn rebalance(ctx: &AppContext, request: lambda_http::Request) -> lambda_http::Response<lambda_http::Body> {
    respond(ctx, request, &routes::INVENTORY_REBALANCE, |request, _| async move {
        let ask = requests::rebalance_request(body_text(&request)?).map_err(ApiError::validation)?;
        Ok(inventory::rebalance(ctx, &InventorySettings::default(), ask.dry_run, ask.location, ask.limit).await?)
    })
    .await
}

pub async fn server_status(
    ctx: &AppContext,
    request: lambda_http::Request,
) -> lambda_http::Response<lambda_http::Body> {
    respond(ctx, request, &routes::INVENTORY_SERVER_STATUS, |request, _| async move {
        let id = ServerId(path_param(&request, "id")?);
        let status = requests::status_request(body_text(&request)?).map_err(ApiError::validation)?;
        match inventory::set_server_status(ctx, &id, status).await {
            Ok(change) => Ok(change),
            Err(StatusError::NotFound) => Err(ApiError::not_found("Server")),
            Err(StatusError::Changed(now)) => Err(ApiError::conflict(format!(
                "The server's status changed while it was being set; it is now {}.",
                now.as_str()
            ))
            .with_field("current_status", now)),
            Err(StatusError::Port(e)) => Err(e.into()),
        }
    })
    .await
}

/// Scheduled every 15 minutes. Fails (so the run's failure shows in the function's metrics) when a step
/// failed, after archiving what the other steps did.
pub async fn check(ctx: &AppContext, payload: serde_json::Value) -> Result<serde_json::Value, String> {
    let invocation = parse_invocation(&payload)?;
    let run = inventory::run_check(ctx, &InventorySettings::default())
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
