//! The scheduled `system-health-check` (every 5 minutes): the same check as `GET /admin/system/health`, cached
//! for dashboards as `realtime:system_health` (300 s), with an alert when the system is not healthy.

use crate::health::{self, CACHE_KEY, CACHE_TTL, HealthEnv, HealthStatus, HealthThresholds};
use api::schedule::parse_invocation;
use platform::alerts::{self, AlertsEnv};
use proxy_core::domain::AlertSeverity;

/// `SYSTEM_HEALTH_CHECK`. Returns a summary (the Lambda's response, useful in the console and in tests). Fails
/// when the payload is not a scheduled invocation or the result cannot be cached — the invocation then shows
/// as an error.
pub async fn health_check(
    ctx: &(impl HealthEnv + AlertsEnv),
    payload: serde_json::Value,
) -> Result<serde_json::Value, String> {
    let invocation = parse_invocation(&payload)?;
    let report = health::check(ctx, &HealthThresholds::default()).await;
    let text = serde_json::to_string(&report).map_err(|e| e.to_string())?;
    let cached = ctx.cache().set(CACHE_KEY, &text, Some(CACHE_TTL)).await;

    let mut alert_id = None;
    if report.status != HealthStatus::Healthy {
        let severity =
            if report.status == HealthStatus::Critical { AlertSeverity::Critical } else { AlertSeverity::Warning };
        let message = report.findings.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join(" ");
        let dedup_key = format!("system-health:{:?}", report.status).to_lowercase();
        let details = serde_json::to_value(&report.findings).unwrap_or_default();
        match alerts::raise(ctx, severity, "system-health", &dedup_key, message, details).await {
            Ok(sent) => alert_id = sent.map(|a| a.id.to_string()),
            Err(e) => tracing::error!(error = %e, "could not raise health alert"),
        }
    }
    tracing::info!(
        source = invocation.source,
        status = ?report.status,
        duration_ms = report.duration_ms,
        cached = cached.is_ok(),
        "health check"
    );
    cached.map_err(|e| format!("health report not cached: {e}"))?;
    Ok(serde_json::json!({
        "status": report.status,
        "checked_at": report.checked_at,
        "cached_as": CACHE_KEY,
        "alert_id": alert_id,
        "invoked_by": invocation.source,
    }))
}
