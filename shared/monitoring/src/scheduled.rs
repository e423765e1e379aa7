//! The scheduled `system-health-check` (every 5 minutes): the same check as `GET /admin/system/health`, cached
//! for dashboards as `realtime:system_health` (300 s), with an alert open while the system is not healthy.

use crate::health::{self, CACHE_KEY, CACHE_TTL, HealthEnv, HealthStatus, HealthThresholds};
use api::schedule::parse_invocation;
use platform::alerts::{self, AlertsEnv, Observed, Sighting};

/// The health check's alert condition (and its source).
const ALERT_SOURCE: &str = "system-health";
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

    // One condition, `system-health`: open while the system is not healthy (its severity following the
    // status), resolved when it is healthy again.
    let mut alert = serde_json::Value::Null;
    if report.status != HealthStatus::Healthy {
        let severity =
            if report.status == HealthStatus::Critical { AlertSeverity::Critical } else { AlertSeverity::Warning };
        let sighting = Sighting {
            severity,
            source: ALERT_SOURCE,
            key: ALERT_SOURCE,
            message: report.findings.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join(" "),
            details: serde_json::to_value(&report.findings).unwrap_or_default(),
        };
        match alerts::observe(ctx, sighting).await {
            Ok(Observed::Opened(opened)) => {
                alert = serde_json::json!({"opened": opened.id, "announced": opened.notified})
            }
            Ok(Observed::Repeated(open)) => {
                alert = serde_json::json!({"open": open.id, "occurrences": open.occurrences})
            }
            Err(e) => tracing::error!(error = %e, "could not raise health alert"),
        }
    } else {
        match alerts::clear(ctx, ALERT_SOURCE).await {
            Ok(Some(resolved)) => alert = serde_json::json!({"resolved": resolved.id}),
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "could not resolve health alert"),
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
        "alert": alert,
        "invoked_by": invocation.source,
    }))
}
