//! Queue management for operators: `GET /admin/system/queue`, `GET /admin/system/queue/failed`,
//! `DELETE /admin/system/queue/failed/{id}` and `POST /admin/system/queue/retry`.

use crate::QueuesEnv;
use api::{ApiError, ApiRequest, Identity, page};
use serde::Serialize;

/// `QUEUE_OVERVIEW`: every queue's backlog, health, workers and job metrics.
pub async fn overview(
    ctx: &impl QueuesEnv,
    _request: ApiRequest,
    _caller: Identity,
) -> Result<impl Serialize, ApiError> {
    Ok(crate::cached::cached_overview(ctx).await?)
}

/// `QUEUE_FAILED_LIST`: failed attempts, filtered by queue or dead letters, a page at a time.
pub async fn failed_list(
    ctx: &impl QueuesEnv,
    request: ApiRequest,
    _caller: Identity,
) -> Result<impl Serialize, ApiError> {
    let filter = crate::failed_filter(request.query()).map_err(ApiError::validation)?;
    let page = page::parse(request.query(), &filter.list_scope())?;
    Ok(crate::failed_jobs(ctx, &filter, page.limit, page.after).await?)
}

/// `QUEUE_FAILED_DELETE`: forgets one failed attempt.
pub async fn failed_delete(
    ctx: &impl QueuesEnv,
    request: ApiRequest,
    _caller: Identity,
) -> Result<impl Serialize, ApiError> {
    let id = request.path_param("id")?;
    if ctx.stores().failed_jobs.delete(&id).await? {
        crate::cached::queues_changed(ctx).await;
        Ok(serde_json::json!({ "deleted": id }))
    } else {
        Err(ApiError::not_found("Failed job"))
    }
}

/// `QUEUE_RETRY`: sends a queue's dead letters back to it.
pub async fn retry(ctx: &impl QueuesEnv, request: ApiRequest, _caller: Identity) -> Result<impl Serialize, ApiError> {
    let (queue, limit) = crate::retry_request(request.body_text()?).map_err(ApiError::validation)?;
    Ok(crate::retry_failed(ctx, queue, limit).await?)
}
