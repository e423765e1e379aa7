//! The scheduled `cache-warmup` (every hour): every warmer, as `POST /admin/system/cache/warmup` runs them.

use crate::CacheEnv;
use crate::warmup::{self, HasCacheWarmers, WarmupError};
use api::schedule::parse_invocation;

/// `CACHE_WARMUP`. A warm-up already running (an operator's) is not an error: this run is skipped. A warmer
/// failing, or the cache being down, fails the invocation, so the failure shows in the function's metrics.
pub async fn warmup<C: CacheEnv + HasCacheWarmers + Sync>(
    ctx: &C,
    payload: serde_json::Value,
) -> Result<serde_json::Value, String> {
    let invocation = parse_invocation(&payload)?;
    match warmup::run(ctx, &[]).await {
        Ok(report) => {
            let failed: Vec<&str> = report.runs.iter().filter(|r| !r.ok).map(|r| r.warmer.as_str()).collect();
            if !failed.is_empty() {
                return Err(format!("warmers failed: {}", failed.join(", ")));
            }
            let mut summary = serde_json::to_value(&report).map_err(|e| e.to_string())?;
            summary["invoked_by"] = invocation.source.into();
            Ok(summary)
        }
        Err(WarmupError::AlreadyRunning) => {
            tracing::info!(source = invocation.source, "cache warm-up skipped: one is already running");
            Ok(serde_json::json!({ "invoked_by": invocation.source, "skipped": "a warm-up is already running" }))
        }
        Err(error) => Err(error.to_string()),
    }
}
