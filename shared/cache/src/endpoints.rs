//! The cache's HTTP endpoints: `GET /admin/system/cache`, `POST /admin/system/cache/warmup` and
//! `POST /admin/system/cache/clear`.

use crate::warmup::{self, HasCacheWarmers, WarmupError};
use crate::{CacheEnv, admin, requests};
use api::{ApiError, ApiRequest, Identity};
use serde::Serialize;

/// `SYSTEM_CACHE`: each store's statistics per tier, its server and tags, the warmers and recommendations.
pub async fn overview<C: CacheEnv + HasCacheWarmers + Sync>(
    ctx: &C,
    _request: ApiRequest,
    _caller: Identity,
) -> Result<impl Serialize, ApiError> {
    Ok(admin::overview(ctx).await)
}

/// `SYSTEM_CACHE_WARMUP`: runs the warmers (or those named) and reports each.
pub async fn warmup<C: CacheEnv + HasCacheWarmers + Sync>(
    ctx: &C,
    request: ApiRequest,
    _caller: Identity,
) -> Result<impl Serialize, ApiError> {
    let only = requests::warmup_request(request.body_text()?).map_err(ApiError::validation)?;
    warmup::run(ctx, &only).await.map_err(|error| match error {
        WarmupError::UnknownWarmer(name) => {
            let names: Vec<&str> = ctx.cache_warmers().iter().map(|w| w.name).collect();
            let mut errors = api::FieldErrors::new();
            proxy_core::validation::add_error(
                &mut errors,
                "warmers",
                format!("{name} is not a warmer; the warmers are: {}", names.join(", ")),
            );
            ApiError::validation(errors)
        }
        WarmupError::AlreadyRunning => ApiError::conflict("A warm-up is already running; try again when it ends."),
        WarmupError::CacheUnavailable(_) => {
            ApiError::new(503, "cache_unavailable", "The cache is unavailable; there is nothing to warm.")
        }
    })
}

/// `SYSTEM_CACHE_CLEAR`: removes one store's keys, a set of tags' keys, or every store's.
pub async fn clear<C: CacheEnv + Sync>(
    ctx: &C,
    request: ApiRequest,
    _caller: Identity,
) -> Result<impl Serialize, ApiError> {
    let target = requests::clear_request(request.body_text()?).map_err(ApiError::validation)?;
    let cleared = admin::clear(ctx, &target).await;
    if cleared.removed.is_empty() {
        return Err(ApiError::new(503, "cache_unavailable", "The cache is unavailable; nothing was cleared."));
    }
    Ok(cleared)
}
