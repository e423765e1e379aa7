//! The analytics context's scheduled tasks.

use crate::telemetry::{TelemetryEnv, roll_up};
use api::schedule::parse_invocation;

/// `analytics-rollup` (hourly at :05): the telemetry of the current hour and the three before it copied to the
/// store (`telemetry::roll_up`).
pub async fn telemetry_rollup(
    ctx: &impl TelemetryEnv,
    payload: serde_json::Value,
) -> Result<serde_json::Value, String> {
    let invocation = parse_invocation(&payload)?;
    let report = roll_up(ctx, ctx.clock().now()).await.map_err(|e| format!("telemetry roll-up: {e}"))?;
    tracing::info!(
        source = invocation.source,
        hours = report.hours.len(),
        function_hours = report.function_hours,
        job_type_hours = report.job_type_hours,
        "telemetry rolled up"
    );
    serde_json::to_value(&report).map_err(|e| e.to_string())
}
