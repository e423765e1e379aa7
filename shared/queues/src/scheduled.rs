//! The queues context's scheduled tasks: `queue-maintenance` (daily) and `queue-autoscale` (every 5 minutes).
//! Each returns a summary (the Lambda's response, useful in the console and in tests) and fails when its
//! work failed, so that the failure shows in the function's metrics.

use crate::QueuesEnv;
use api::schedule::parse_invocation;

/// The default of the original's `queue:maintenance --clear-failed=7`.
pub const CLEAR_FAILED_DAYS: u32 = 7;

/// `QUEUE_MAINTENANCE`: clears dead letters older than `clear_failed_days` (payload, default 7).
pub async fn maintenance(ctx: &impl QueuesEnv, payload: serde_json::Value) -> Result<serde_json::Value, String> {
    let invocation = parse_invocation(&payload)?;
    let days = match payload.get("clear_failed_days") {
        None => CLEAR_FAILED_DAYS,
        Some(value) => value
            .as_u64()
            .and_then(|d| u32::try_from(d).ok())
            .ok_or_else(|| format!("clear_failed_days must be a whole number of days, not {value}"))?,
    };
    let report = crate::maintenance(ctx, days).await.map_err(|e| format!("queue maintenance failed: {e}"))?;
    Ok(serde_json::json!({
        "invoked_by": invocation.source,
        "clear_failed_days": days,
        "deleted": report.deleted(),
        "kept": report.queues.iter().map(|q| q.kept).sum::<u32>(),
        "ran_at": report.ran_at,
    }))
}

/// `QUEUE_AUTOSCALE`: moves each queue worker's concurrency limit with its backlog.
pub async fn autoscale(ctx: &impl QueuesEnv, payload: serde_json::Value) -> Result<serde_json::Value, String> {
    let invocation = parse_invocation(&payload)?;
    let run = crate::autoscale_workers(ctx).await.map_err(|e| format!("queue autoscale failed: {e}"))?;
    let changed: Vec<serde_json::Value> = run
        .decisions
        .iter()
        .filter(|d| d.applied)
        .map(|d| serde_json::json!({"queue": d.decision.inputs.queue, "from": d.decision.inputs.current, "to": d.decision.desired}))
        .collect();
    let summary = serde_json::json!({
        "invoked_by": invocation.source,
        "ran_at": run.ran_at,
        "changed": changed,
        "failed": run.decisions.iter().filter(|d| d.error.is_some()).count(),
        "skipped": run.skipped,
    });
    if !run.unreadable.is_empty() {
        // The worker pool's API unreachable (no route from the subnets, no permission): the function fails, so
        // its alarm fires, instead of every run skipping the queues.
        let why: Vec<String> =
            run.unreadable.iter().map(|(queue, error)| format!("{}: {error}", queue.as_str())).collect();
        return Err(format!("worker limits not readable ({}); the rest ran: {summary}", why.join("; ")));
    }
    Ok(summary)
}
