//! `GET /admin/system/health` (`SYSTEM_HEALTH`).

use crate::health::{self, HealthEnv, HealthReport, HealthThresholds};
use api::{ApiError, ApiRequest, Identity};

/// Probes the store, the cache and every queue, now.
pub async fn health(ctx: &impl HealthEnv, _request: ApiRequest, _caller: Identity) -> Result<HealthReport, ApiError> {
    Ok(health::check(ctx, &HealthThresholds::default()).await)
}
