//! Any function's endpoint found by its row of the route table, for the local server and the tests, which run
//! every function in one process. (A Lambda binary names its own endpoint instead — `serve_http(&routes::
//! ORDERS_CREATE, orders::endpoints::create)` — so it links that endpoint's code only.)

use crate::app::AppContext;
use crate::http::respond;
use crate::routes::{self, FunctionSpec};
use crate::user_pool;
use lambda_http::{Body, Request, Response};

/// Runs the endpoint of the HTTP function `spec` through the edge (None when it is not an HTTP function).
pub async fn http(spec: &FunctionSpec, ctx: &AppContext, request: Request) -> Option<Response<Body>> {
    // `ROUTE => endpoint`: each route constant named once, each endpoint run through `respond` as its binary
    // runs it.
    macro_rules! endpoints {
        ($($route:ident => $endpoint:path,)*) => {
            // Boxed: unboxed, this function's future would be as large as the largest endpoint's (the system
            // report's, which joins five contexts' reads) wherever it is awaited, and overflow a test thread's stack.
            $(if spec.name == routes::$route.name {
                return Some(Box::pin(respond(ctx, request, &routes::$route, |request, caller| $endpoint(ctx, request, caller))).await);
            })*
        };
    }
    endpoints! {
        SYSTEM_HEALTH => monitoring::endpoints::health,
        SYSTEM_ALERTS => monitoring::endpoints::alerts,
        SYSTEM_ALERT_ACK => monitoring::endpoints::acknowledge,
        SYSTEM_DASHBOARD => dashboards::system::endpoint,
        SYSTEM_EXPORT => dashboards::export::endpoint,
        ADMIN_UI => dashboards::pages::shell::endpoint,
        PAGE_SYSTEM => dashboards::pages::system::endpoint,
        PAGE_ANALYTICS => dashboards::pages::analytics::endpoint,
        PAGE_QUEUES => dashboards::pages::queues::endpoint,
        PAGE_CHATS => dashboards::pages::chats::endpoint,
        PAGE_INVENTORY => dashboards::pages::inventory::endpoint,
        PAGE_PRICING => dashboards::pages::pricing::endpoint,
        ANALYTICS_GET => analytics::endpoints::get,
        ANALYTICS_REALTIME => analytics::endpoints::realtime,
        ANALYTICS_REPORTS => analytics::endpoints::reports,
        ANALYTICS_REPORT_GET => analytics::endpoints::report,
        SYSTEM_LOGS => monitoring::logs::endpoint,
        ADMIN_NOTIFICATIONS => monitoring::notifications::list,
        ADMIN_NOTIFICATION_READ => monitoring::notifications::mark_read,
        ADMIN_NOTIFICATIONS_READ => monitoring::notifications::mark_all_read,
        ORDERS_CREATE => orders::endpoints::create,
        ORDERS_LIST => orders::endpoints::list,
        ORDERS_GET => orders::endpoints::get,
        ORDERS_CANCEL => orders::endpoints::cancel,
        PROFILE_UPDATE => orders::endpoints::profile::update,
        WALLET_GET => orders::endpoints::wallet::get,
        WALLET_CREDIT => orders::endpoints::wallet::credit,
        PRICING_QUOTE => pricing::endpoints::quote,
        PRICING_GET => pricing::endpoints::overview,
        PRICING_RULES_UPDATE => pricing::endpoints::update_rules,
        PRICING_RULES_VERSIONS => pricing::endpoints::versions,
        PRICING_RULES_ROLLBACK => pricing::endpoints::rollback,
        PRICING_PROMOTIONS => pricing::endpoints::promotions,
        PRICING_PROMOTION_CREATE => pricing::endpoints::create_promotion,
        PRICING_PROMOTION_END => pricing::endpoints::end_promotion,
        QUEUE_OVERVIEW => queues::endpoints::overview,
        QUEUE_FAILED_LIST => queues::endpoints::failed_list,
        QUEUE_FAILED_DELETE => queues::endpoints::failed_delete,
        QUEUE_RETRY => queues::endpoints::retry,
        INVENTORY_GET => inventory::endpoints::overview,
        INVENTORY_REBALANCE => inventory::endpoints::rebalance,
        INVENTORY_SERVER_STATUS => inventory::endpoints::server_status,
        SYSTEM_CACHE => cache::endpoints::overview,
        SYSTEM_CACHE_WARMUP => cache::endpoints::warmup,
        SYSTEM_CACHE_CLEAR => cache::endpoints::clear,
        BROADCASTING_AUTH => realtime::endpoints::authorize_channel,
        NOTIFICATIONS => realtime::notifications::list,
        NOTIFICATION_READ => realtime::notifications::mark_read,
        NOTIFICATIONS_READ => realtime::notifications::mark_all_read,
        ACTIVITY => realtime::activity::customer,
        ADMIN_ACTIVITY => realtime::activity::admins,
        ADMIN_PRESENCE => realtime::online::endpoint,
        CHATS => realtime::chat::endpoints::list,
        CHAT_START => realtime::chat::endpoints::start,
        CHAT_MESSAGES => realtime::chat::endpoints::messages,
        CHAT_SEND => realtime::chat::endpoints::send,
        CHAT_READ => realtime::chat::endpoints::mark_read,
        CHAT_CLOSE => realtime::chat::endpoints::close,
        ADMIN_CHATS => realtime::chat::endpoints::admin_list,
        ADMIN_CHAT_ASSIGN => realtime::chat::endpoints::assign,
    }
    None
}

/// Runs the scheduled task of the function `spec` (None when it is not a scheduled function).
pub async fn scheduled(
    spec: &FunctionSpec,
    ctx: &AppContext,
    payload: serde_json::Value,
) -> Option<Result<serde_json::Value, String>> {
    macro_rules! tasks {
        ($($route:ident => $task:path,)*) => {
            $(if spec.name == routes::$route.name {
                return Some($task(ctx, payload).await);
            })*
        };
    }
    tasks! {
        SYSTEM_HEALTH_CHECK => monitoring::scheduled::health_check,
        LOG_CLEANUP => monitoring::cleanup::log_cleanup,
        QUEUE_MAINTENANCE => queues::scheduled::maintenance,
        QUEUE_AUTOSCALE => queues::scheduled::autoscale,
        INVENTORY_CHECK => inventory::scheduled::check,
        CLIENT_EXPIRY => inventory::scheduled::client_expiry,
        CACHE_WARMUP => cache::scheduled::warmup,
        ANALYTICS_ROLLUP => analytics::scheduled::telemetry_rollup,
        ANALYTICS_REPORT_DAILY => analytics::scheduled::daily_report,
        ANALYTICS_REPORT_WEEKLY => analytics::scheduled::weekly_report,
        ANALYTICS_REPORT_MONTHLY => analytics::scheduled::monthly_report,
    }
    None
}

/// Runs the user pool trigger of the function `spec` (None when it is not one).
pub async fn user_pool(
    spec: &FunctionSpec,
    ctx: &AppContext,
    event: serde_json::Value,
) -> Option<Result<serde_json::Value, String>> {
    macro_rules! triggers {
        ($($route:ident => $handler:path,)*) => {
            $(if spec.name == routes::$route.name {
                return Some($handler(ctx, event).await);
            })*
        };
    }
    triggers! {
        SIGNUP_CONFIRMED => user_pool::signup_confirmed,
    }
    None
}
