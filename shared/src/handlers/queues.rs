//! Queue management for operators: `GET /admin/system/queue`, `GET /admin/system/queue/failed`,
//! `DELETE /admin/system/queue/failed/{id}`, `POST /admin/system/queue/retry`, and the scheduled
//! `queue-maintenance` and `queue-autoscale`.

use crate::app::AppContext;
use crate::http::request::{body_text, path_param, query};
use crate::http::{ApiError, page, respond};
use crate::routes;
use crate::schedule::parse_invocation;
use crate::services::queues;

pub async fn overview(ctx: &AppContext, request: lambda_http::Request) -> lambda_http::Response<lambda_http::Body> {
    respond(ctx, request, &routes::QUEUE_OVERVIEW, |_, _| async move { Ok(queues::queue_overview(ctx).await?) }).await
}

pub async fn failed_list(ctx: &AppContext, request: lambda_http::Request) -> lambda_http::Response<lambda_http::Body> {
    respond(ctx, request, &routes::QUEUE_FAILED_LIST, |request, _| async move {
        let params = query(&request);
        let filter = queues::failed_filter(&params).map_err(ApiError::validation)?;
        let page = page::parse(&params, &filter.list_scope())?;
        Ok(queues::failed_jobs(ctx, &filter, page.limit, page.after).await?)
    })
    .await
}

pub async fn failed_delete(
    ctx: &AppContext,
    request: lambda_http::Request,
) -> lambda_http::Response<lambda_http::Body> {
    respond(ctx, request, &routes::QUEUE_FAILED_DELETE, |request, _| async move {
        let id = path_param(&request, "id")?;
        if ctx.stores.failed_jobs.delete(&id).await? {
            Ok(serde_json::json!({ "deleted": id }))
        } else {
            Err(ApiError::not_found("Failed job"))
        }
    })
    .await
}

pub async fn retry(ctx: &AppContext, request: lambda_http::Request) -> lambda_http::Response<lambda_http::Body> {
    respond(ctx, request, &routes::QUEUE_RETRY, |request, _| async move {
        let (queue, limit) = queues::retry_request(body_text(&request)?).map_err(ApiError::validation)?;
        Ok(queues::retry_failed(ctx, queue, limit).await?)
    })
    .await
}

/// The default of the original's `queue:maintenance --clear-failed=7`.
pub const CLEAR_FAILED_DAYS: u32 = 7;

/// Scheduled daily: clears dead letters older than `clear_failed_days` (payload, default 7).
pub async fn maintenance(ctx: &AppContext, payload: serde_json::Value) -> Result<serde_json::Value, String> {
    let invocation = parse_invocation(&payload)?;
    let days = match payload.get("clear_failed_days") {
        None => CLEAR_FAILED_DAYS,
        Some(value) => value
            .as_u64()
            .and_then(|d| u32::try_from(d).ok())
            .ok_or_else(|| format!("clear_failed_days must be a whole number of days, not {value}"))?,
    };
    let report = queues::maintenance(ctx, days).await.map_err(|e| format!("queue maintenance failed: {e}"))?;
    Ok(serde_json::json!({
        "invoked_by": invocation.source,
        "clear_failed_days": days,
        "deleted": report.deleted(),
        "kept": report.queues.iter().map(|q| q.kept).sum::<u32>(),
        "ran_at": report.ran_at,
    }))
}

/// Scheduled every 5 minutes: moves each queue worker's concurrency limit with its backlog.
pub async fn autoscale(ctx: &AppContext, payload: serde_json::Value) -> Result<serde_json::Value, String> {
    let invocation = parse_invocation(&payload)?;
    let run = queues::autoscale_workers(ctx).await.map_err(|e| format!("queue autoscale failed: {e}"))?;
    let changed: Vec<serde_json::Value> = run
        .decisions
        .iter()
        .filter(|d| d.applied)
        .map(|d| serde_json::json!({"queue": d.decision.inputs.queue, "from": d.decision.inputs.current, "to": d.decision.desired}))
        .collect();
    Ok(serde_json::json!({
        "invoked_by": invocation.source,
        "ran_at": run.ran_at,
        "changed": changed,
        "failed": run.decisions.iter().filter(|d| d.error.is_some()).count(),
        "skipped": run.skipped,
    }))
}
