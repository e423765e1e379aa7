//! `GET /admin/system/health` (`SYSTEM_HEALTH`), `GET /admin/system/alerts` (`SYSTEM_ALERTS`) and
//! `POST /admin/system/alerts/{id}/ack` (`SYSTEM_ALERT_ACK`).

use crate::alerts::{self, AlertPage};
use crate::health::{self, HealthEnv, HealthReport, HealthThresholds};
use api::{ApiError, ApiRequest, Identity, page};
use platform::alerts::{AcknowledgeError, AlertsEnv};
use proxy_core::domain::{Alert, AlertId};

/// Probes the store, the cache and every queue, now.
pub async fn health(ctx: &impl HealthEnv, _request: ApiRequest, _caller: Identity) -> Result<HealthReport, ApiError> {
    let report = health::check(ctx, &HealthThresholds::default()).await;
    // The latest check, whoever asked for it: the dashboard shows it as the 5-minute task's (which alone raises
    // alerts and records the uptime). Not kept is not a failure of the check.
    match serde_json::to_string(&report) {
        Ok(text) => {
            if let Err(error) = ctx.cache().set(health::CACHE_KEY, &text, Some(health::CACHE_TTL)).await {
                tracing::warn!(%error, "health report not cached");
            }
        }
        Err(error) => tracing::warn!(%error, "health report not serialised"),
    }
    Ok(report)
}

/// The open alerts (or all, `status=all`), newest first, a page at a time.
pub async fn alerts(ctx: &impl AlertsEnv, request: ApiRequest, _caller: Identity) -> Result<AlertPage, ApiError> {
    let listing = alerts::listing(request.query()).map_err(ApiError::validation)?;
    let page = page::parse(request.query(), &listing.scope())?;
    Ok(alerts::list(ctx, listing, page.limit, page.after).await?)
}

/// The caller has seen an open alert: it says who, and stays open until its condition clears.
pub async fn acknowledge(ctx: &impl AlertsEnv, request: ApiRequest, caller: Identity) -> Result<Alert, ApiError> {
    let id = AlertId(request.path_param("id")?);
    platform::alerts::acknowledge(ctx, &id, &caller.subject).await.map_err(|error| match error {
        AcknowledgeError::NotFound(_) => ApiError::not_found("Alert"),
        AcknowledgeError::NotOpen(state) => {
            ApiError::new(409, "not_open", format!("The alert is already {}.", state.as_str()))
                .with_field("alert_state", state)
        }
        AcknowledgeError::Port(error) => error.into(),
    })
}
