//! One handler per function in `crate::routes::FUNCTIONS`: each turns its Lambda event into a service call.
//! A function binary names its own handler
//! (`serve_http(&routes::ORDERS_CREATE, |ctx, request| Box::pin(orders::create(ctx, request)))`), so it links
//! that handler's code only; `http` and `scheduled` below find any function's handler by its row,
//! for the local server and the tests, which run every function in one process.

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
use crate::routes::{self, FunctionSpec};
use lambda_http::{Body, Request, Response};

/// `spec.name == routes::X.name => handler` arms, each route constant named once.
macro_rules! by_function {
    ($spec:expr, { $($function:ident => $call:expr,)* }) => {{
        let name = $spec.name;
        $(if name == routes::$function.name {
            return Some($call);
        })*
        None
    }};
}

/// Runs the handler of the HTTP function `spec` (None when it is not an HTTP function).
pub async fn http(spec: &FunctionSpec, ctx: &AppContext, request: Request) -> Option<Response<Body>> {
    by_function!(spec, {
        SYSTEM_HEALTH => system_health::handle(ctx, request).await,
        ORDERS_CREATE => orders::create(ctx, request).await,
        ORDERS_LIST => orders::list(ctx, request).await,
        ORDERS_GET => orders::get(ctx, request).await,
        ORDERS_CANCEL => orders::cancel(ctx, request).await,
        PROFILE_UPDATE => profile::update(ctx, request).await,
        WALLET_GET => wallet::get(ctx, request).await,
        WALLET_CREDIT => wallet::credit(ctx, request).await,
        PRICING_QUOTE => pricing::quote(ctx, request).await,
        PRICING_GET => pricing::overview(ctx, request).await,
        PRICING_RULES_UPDATE => pricing::update_rules(ctx, request).await,
        PRICING_RULES_VERSIONS => pricing::versions(ctx, request).await,
        PRICING_RULES_ROLLBACK => pricing::rollback(ctx, request).await,
        QUEUE_OVERVIEW => queues::overview(ctx, request).await,
        QUEUE_FAILED_LIST => queues::failed_list(ctx, request).await,
        QUEUE_FAILED_DELETE => queues::failed_delete(ctx, request).await,
        QUEUE_RETRY => queues::retry(ctx, request).await,
        INVENTORY_GET => inventory::overview(ctx, request).await,
        INVENTORY_REBALANCE => inventory::rebalance(ctx, request).await,
        INVENTORY_SERVER_STATUS => inventory::server_status(ctx, request).await,
    })
}

/// Runs the handler of the scheduled function `spec` (None when it is not a scheduled function).
pub async fn scheduled(
    spec: &FunctionSpec,
    ctx: &AppContext,
    payload: serde_json::Value,
) -> Option<Result<serde_json::Value, String>> {
    by_function!(spec, {
        SYSTEM_HEALTH_CHECK => system_health_check::handle(ctx, payload).await,
        QUEUE_MAINTENANCE => queues::maintenance(ctx, payload).await,
        QUEUE_AUTOSCALE => queues::autoscale(ctx, payload).await,
        INVENTORY_CHECK => inventory::check(ctx, payload).await,
    })
}
