//! The analytics context's scheduled tasks.

use crate::AnalyticsEnv;
use crate::reports::{ReportKind, generate_report};
use crate::telemetry::{CATCH_UP_HOURS, TelemetryEnv, roll_up};
use api::schedule::parse_invocation;

/// `analytics-rollup` (hourly at :05): the telemetry of the current hour and the six before it copied to the
/// store (`telemetry::roll_up`), and the closed days' distinct customers folded (`active::pack_closed`).
pub async fn telemetry_rollup(
    ctx: &impl TelemetryEnv,
    payload: serde_json::Value,
) -> Result<serde_json::Value, String> {
    let invocation = parse_invocation(&payload)?;
    let now = ctx.clock().now();
    let report = roll_up(ctx, now, CATCH_UP_HOURS).await.map_err(|e| format!("telemetry roll-up: {e}"))?;
    let packed = crate::active::pack_closed(ctx, now.date_naive())
        .await
        .map_err(|e| format!("folding the distinct customers: {e}"))?;
    tracing::info!(
        source = invocation.source,
        hours = report.hours.len(),
        function_hours = report.function_hours,
        job_type_hours = report.job_type_hours,
        packed = packed.len(),
        "telemetry rolled up"
    );
    let mut summary = serde_json::to_value(&report).map_err(|e| e.to_string())?;
    summary["packed"] = serde_json::json!(packed);
    summary["invoked_by"] = invocation.source.into();
    Ok(summary)
}

/// `analytics-report-daily` (06:00 UTC), `-weekly` (Sundays 07:00), `-monthly` (the 1st, 08:00): the last
/// closed period's report, once (a retried run finds it and keeps it).
pub async fn daily_report(ctx: &impl AnalyticsEnv, payload: serde_json::Value) -> Result<serde_json::Value, String> {
    report(ctx, payload, ReportKind::Daily).await
}

pub async fn weekly_report(ctx: &impl AnalyticsEnv, payload: serde_json::Value) -> Result<serde_json::Value, String> {
    report(ctx, payload, ReportKind::Weekly).await
}

pub async fn monthly_report(ctx: &impl AnalyticsEnv, payload: serde_json::Value) -> Result<serde_json::Value, String> {
    report(ctx, payload, ReportKind::Monthly).await
}

async fn report(
    ctx: &impl AnalyticsEnv,
    payload: serde_json::Value,
    kind: ReportKind,
) -> Result<serde_json::Value, String> {
    let invocation = parse_invocation(&payload)?;
    let generated =
        generate_report(ctx, kind, None, false).await.map_err(|e| format!("{} report: {e}", kind.as_str()))?;
    tracing::info!(
        source = invocation.source,
        report = generated.report.id,
        outcome = generated.outcome,
        bytes = generated.report.bytes,
        "analytics report"
    );
    let mut summary = serde_json::to_value(&generated).map_err(|e| e.to_string())?;
    summary["invoked_by"] = invocation.source.into();
    Ok(summary)
}
