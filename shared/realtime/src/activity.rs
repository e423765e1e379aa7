//! Activity feeds: `GET /api/activity` (the caller's own: their orders', clients' and wallet's events) and
//! `GET /admin/activity` (the admins': system alerts), newest first, a page at a time, kept 30 days. Each entry
//! carries the id it was pushed under on the channel, so a client that was away fills its gap and drops what it
//! already received live.

use api::{ApiError, ApiRequest, Identity, page};
use platform::deps::HasStores;
use proxy_core::domain::CustomerId;
use serde::Serialize;
use store::{FeedEntry, FeedStore};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActivityPage {
    pub events: Vec<FeedEntry>,
    pub next_cursor: Option<String>,
}

async fn page_of(
    ctx: &impl HasStores,
    request: &ApiRequest,
    customer: Option<&CustomerId>,
) -> Result<ActivityPage, ApiError> {
    let page = page::parse(request.query(), &FeedStore::page_scope(customer))?;
    let (events, next) = ctx.stores().feed.activity(customer, page.limit, page.after).await?;
    Ok(ActivityPage { events, next_cursor: next.as_ref().map(|c| c.token()) })
}

/// The caller's activity.
pub async fn customer(ctx: &impl HasStores, request: ApiRequest, caller: Identity) -> Result<ActivityPage, ApiError> {
    page_of(ctx, &request, Some(&CustomerId(caller.subject))).await
}

/// The admins' activity (system alerts).
pub async fn admins(ctx: &impl HasStores, request: ApiRequest, _caller: Identity) -> Result<ActivityPage, ApiError> {
    page_of(ctx, &request, None).await
}

/// The routes' queries, for the OpenAPI document.
pub fn add_inputs(inputs: &mut api::openapi::Inputs) {
    use api::openapi::OperationInput;
    inputs.add(&api::routes::ACTIVITY, OperationInput::query(page::query_parameters()));
    inputs.add(&api::routes::ADMIN_ACTIVITY, OperationInput::query(page::query_parameters()));
    inputs.add(&api::routes::NOTIFICATIONS, OperationInput::query(page::query_parameters()));
}
