//! Inventory for operators: `GET /admin/inventory`, `POST /admin/inventory/rebalance` and
//! `POST /admin/inventory/servers/{id}/status`.

use crate::{InventoryEnv, InventorySettings, StatusError, requests};
use api::{ApiError, ApiRequest, Identity};
use proxy_core::domain::ServerId;
use serde::Serialize;

/// `INVENTORY_GET`: capacity by server and location, bands, alerts and the forecast.
pub async fn overview(
    ctx: &impl InventoryEnv,
    _request: ApiRequest,
    _caller: Identity,
) -> Result<impl Serialize, ApiError> {
    Ok(crate::cached::cached_overview(ctx, &InventorySettings::default()).await?)
}

/// `INVENTORY_REBALANCE`: plans (dry run) or starts the moves of clients off overloaded servers.
pub async fn rebalance(
    ctx: &impl InventoryEnv,
    request: ApiRequest,
    _caller: Identity,
) -> Result<impl Serialize, ApiError> {
    let ask = requests::rebalance_request(request.body_text()?).map_err(ApiError::validation)?;
    Ok(crate::rebalance(ctx, &InventorySettings::default(), ask.dry_run, ask.location, ask.limit).await?)
}

/// `INVENTORY_SERVER_STATUS`: sets a server's status, refused when it changed meanwhile.
pub async fn server_status(
    ctx: &impl InventoryEnv,
    request: ApiRequest,
    _caller: Identity,
) -> Result<impl Serialize, ApiError> {
    let id = ServerId(request.path_param("id")?);
    let status = requests::status_request(request.body_text()?).map_err(ApiError::validation)?;
    match crate::set_server_status(ctx, &id, status).await {
        Ok(change) => Ok(change),
        Err(StatusError::NotFound) => Err(ApiError::not_found("Server")),
        Err(StatusError::Changed(now)) => Err(ApiError::conflict(format!(
            "The server's status changed while it was being set; it is now {}.",
            now.as_str()
        ))
        .with_field("current_status", now)),
        Err(StatusError::Port(e)) => Err(e.into()),
    }
}
