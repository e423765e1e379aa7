//! One handler per function in `crate::routes::FUNCTIONS`: each turns its Lambda event into a service call.
//! The function binaries and the local server both call these, so both run the same code.

pub mod inventory;
pub mod orders;
pub mod pricing;
pub mod profile;
pub mod queue_worker;
pub mod queues;
pub mod system_health;
pub mod system_health_check;
pub mod wallet;

use crate::app::AppContext;
use lambda_http::{Body, Request, Response};

/// Runs the HTTP handler of the function `name` (None when `name` is not an HTTP function).
pub async fn http(name: &str, ctx: &AppContext, request: Request) -> Option<Response<Body>> {
    Some(match name {
        "system-health" => system_health::handle(ctx, request).await,
        "orders-create" => orders::create(ctx, request).await,
        "orders-list" => orders::list(ctx, request).await,
        "orders-get" => orders::get(ctx, request).await,
        "orders-cancel" => orders::cancel(ctx, request).await,
        "profile-update" => profile::update(ctx, request).await,
        "wallet-get" => wallet::get(ctx, request).await,
        "wallet-credit" => wallet::credit(ctx, request).await,
        "pricing-quote" => pricing::quote(ctx, request).await,
        "pricing-get" => pricing::overview(ctx, request).await,
        "pricing-rules-update" => pricing::update_rules(ctx, request).await,
        "pricing-rules-versions" => pricing::versions(ctx, request).await,
        "pricing-rules-rollback" => pricing::rollback(ctx, request).await,
        "queue-overview" => queues::overview(ctx, request).await,
        "queue-failed-list" => queues::failed_list(ctx, request).await,
        "queue-failed-delete" => queues::failed_delete(ctx, request).await,
        "queue-retry" => queues::retry(ctx, request).await,
        "inventory-get" => inventory::overview(ctx, request).await,
        "inventory-rebalance" => inventory::rebalance(ctx, request).await,
        "inventory-server-status" => inventory::server_status(ctx, request).await,
        _ => return None,
    })
}

/// Runs the scheduled handler of the function `name` (None when `name` is not a scheduled function).
pub async fn scheduled(
    name: &str,
    ctx: &AppContext,
    payload: serde_json::Value,
) -> Option<Result<serde_json::Value, String>> {
    Some(match name {
        "system-health-check" => system_health_check::handle(ctx, payload).await,
        "queue-maintenance" => queues::maintenance(ctx, payload).await,
        "queue-autoscale" => queues::autoscale(ctx, payload).await,
        "inventory-check" => inventory::check(ctx, payload).await,
        _ => return None,
    })
}
