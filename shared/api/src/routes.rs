//! The route/function table: every Lambda function of the system, in one place. The SAM template, the local
//! server, the OpenAPI document, `events/` and the authorization tests are all checked against it
//! (`tests/tests/integration/route_table.rs`). Each row is a constant: the function's binary serves it with
//! its context's endpoint (`serve_http(&routes::ORDERS_CREATE, orders::endpoints::create)`), the edge answers
//! as it (role, rate limits, success status), and tests call it (`Call::to(&routes::ORDERS_CREATE, ...)`), so
//! a function's name is spelled here only. To add a function: a row here and in `FUNCTIONS`, its endpoint (or
//! task) in its context's crate and its arm in `shared/src/handlers.rs`, its binary in `functions/`, its
//! resource in `infra/template.yaml` and its sample in `events/` (`docs/architecture.md`).

use crate::Role;
use crate::rate_limit::{self, RateLimit};
use proxy_core::domain::Priority;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// An HTTP API route.
    /// `status` is what success answers with (200, or 201 for a creation).
    Http { method: &'static str, path: &'static str, status: u16 },
    /// An EventBridge Scheduler schedule, in its own expression syntax (`rate(...)` or `cron(...)`).
    Schedule { expression: &'static str },
    /// An SQS event source on these queues.
    Worker { queues: &'static [Priority] },
    /// A Cognito user pool's Lambda trigger (`PostConfirmation`, ...): the pool calls the function with the
    /// user's attributes and waits for the event back.
    UserPool { trigger: &'static str },
    /// A route of the real-time WebSocket API (`$connect`, `$default`, `$disconnect`): API Gateway calls the
    /// function with the connection's id and, for `$default`, the frame the client sent.
    WebSocket { route: &'static str },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FunctionSpec {
    /// The function's name: its binary in `functions/`, its sample `events/<name>.json`.
    pub name: &'static str,
    pub trigger: Trigger,
    /// Who may call it (HTTP only).
    pub role: Option<Role>,
    /// Per-caller rate limits (HTTP only), checked in this order before the handler runs.
    pub limits: &'static [RateLimit],
    pub summary: &'static str,
}

impl FunctionSpec {
    /// The template's logical id: `system-health` -> `SystemHealthFunction`.
    pub fn logical_id(&self) -> String {
        let mut id: String = self
            .name
            .split('-')
            .map(|part| {
                let mut chars = part.chars();
                chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
            })
            .collect();
        id.push_str("Function");
        id
    }
}

/// Every function, in the order the template, the OpenAPI document and the README list them.
pub const FUNCTIONS: &[FunctionSpec] = &[
    SYSTEM_HEALTH,
    ORDERS_CREATE,
    ORDERS_LIST,
    ORDERS_GET,
    ORDERS_CANCEL,
    PROFILE_UPDATE,
    WALLET_GET,
    WALLET_CREDIT,
    PRICING_QUOTE,
    PRICING_GET,
    PRICING_RULES_UPDATE,
    PRICING_RULES_VERSIONS,
    PRICING_RULES_ROLLBACK,
    PRICING_PROMOTIONS,
    PRICING_PROMOTION_CREATE,
    PRICING_PROMOTION_END,
    QUEUE_OVERVIEW,
    QUEUE_FAILED_LIST,
    QUEUE_FAILED_DELETE,
    QUEUE_RETRY,
    SYSTEM_HEALTH_CHECK,
    SYSTEM_ALERTS,
    SYSTEM_ALERT_ACK,
    SYSTEM_DASHBOARD,
    ANALYTICS_GET,
    ANALYTICS_REALTIME,
    ANALYTICS_ROLLUP,
    ANALYTICS_REPORTS,
    ANALYTICS_REPORT_GET,
    ANALYTICS_REPORT_DAILY,
    ANALYTICS_REPORT_WEEKLY,
    ANALYTICS_REPORT_MONTHLY,
    SYSTEM_LOGS,
    LOG_CLEANUP,
    ADMIN_NOTIFICATIONS,
    ADMIN_NOTIFICATION_READ,
    ADMIN_NOTIFICATIONS_READ,
    QUEUE_MAINTENANCE,
    QUEUE_AUTOSCALE,
    INVENTORY_GET,
    INVENTORY_REBALANCE,
    INVENTORY_SERVER_STATUS,
    INVENTORY_CHECK,
    CLIENT_EXPIRY,
    SYSTEM_CACHE,
    SYSTEM_CACHE_WARMUP,
    SYSTEM_CACHE_CLEAR,
    CACHE_WARMUP,
    QUEUE_WORKER,
    SIGNUP_CONFIRMED,
    ADMIN_UI,
    PAGE_SYSTEM,
    PAGE_ANALYTICS,
    PAGE_QUEUES,
    PAGE_INVENTORY,
    PAGE_PRICING,
    PAGE_CHATS,
    SYSTEM_EXPORT,
    BROADCASTING_AUTH,
    REALTIME_CONNECT,
    REALTIME_MESSAGE,
    REALTIME_DISCONNECT,
    NOTIFICATIONS,
    NOTIFICATION_READ,
    NOTIFICATIONS_READ,
    ACTIVITY,
    ADMIN_ACTIVITY,
    ADMIN_PRESENCE,
    CHATS,
    CHAT_START,
    CHAT_MESSAGES,
    CHAT_SEND,
    CHAT_READ,
    CHAT_CLOSE,
    ADMIN_CHATS,
    ADMIN_CHAT_ASSIGN,
];

pub const SYSTEM_HEALTH: FunctionSpec = FunctionSpec {
    name: "system-health",
    trigger: Trigger::Http { method: "GET", path: "/admin/system/health", status: 200 },
    role: Some(Role::Admin),
    limits: &[],
    summary: "Pings the store, the cache and every queue; reports latency per dependency and an overall status.",
};

pub const ORDERS_CREATE: FunctionSpec = FunctionSpec {
    name: "orders-create",
    trigger: Trigger::Http { method: "POST", path: "/api/orders", status: 201 },
    role: Some(Role::Customer),
    limits: &[rate_limit::API, rate_limit::ORDERS],
    summary: "Places an order paid from the wallet: capacity, wallet, coupon and order in one transaction; \
              honours Idempotency-Key.",
};

pub const ORDERS_LIST: FunctionSpec = FunctionSpec {
    name: "orders-list",
    trigger: Trigger::Http { method: "GET", path: "/api/orders", status: 200 },
    role: Some(Role::Customer),
    limits: &[rate_limit::API],
    summary: "The caller's orders, newest first, a page at a time (limit, cursor).",
};

pub const ORDERS_GET: FunctionSpec = FunctionSpec {
    name: "orders-get",
    trigger: Trigger::Http { method: "GET", path: "/api/orders/{id}", status: 200 },
    role: Some(Role::Customer),
    limits: &[rate_limit::API],
    summary: "One of the caller's orders with its lines and clients (404 for anyone else's).",
};

pub const ORDERS_CANCEL: FunctionSpec = FunctionSpec {
    name: "orders-cancel",
    trigger: Trigger::Http { method: "POST", path: "/api/orders/{id}/cancel", status: 200 },
    role: Some(Role::Customer),
    limits: &[rate_limit::API],
    summary: "Cancels a new order before provisioning starts: refunds the wallet and releases the capacity.",
};

pub const PROFILE_UPDATE: FunctionSpec = FunctionSpec {
    name: "profile-update",
    trigger: Trigger::Http { method: "PUT", path: "/api/profile", status: 200 },
    role: Some(Role::Customer),
    limits: &[rate_limit::API],
    summary: "Updates the caller's profile; username and e-mail stay unique under concurrency.",
};

pub const WALLET_GET: FunctionSpec = FunctionSpec {
    name: "wallet-get",
    trigger: Trigger::Http { method: "GET", path: "/api/wallet", status: 200 },
    role: Some(Role::Customer),
    limits: &[rate_limit::API],
    summary: "The caller's wallet balance and transactions, newest first (limit, cursor).",
};

pub const WALLET_CREDIT: FunctionSpec = FunctionSpec {
    name: "wallet-credit",
    trigger: Trigger::Http { method: "POST", path: "/admin/customers/{id}/wallet/credit", status: 201 },
    role: Some(Role::Admin),
    limits: &[],
    summary: "Credits a customer's wallet with a reason, recorded with the admin who did it.",
};

pub const PRICING_QUOTE: FunctionSpec = FunctionSpec {
    name: "pricing-quote",
    trigger: Trigger::Http { method: "POST", path: "/api/pricing/quote", status: 200 },
    role: Some(Role::Customer),
    limits: &[rate_limit::API],
    summary: "What the caller would pay for a cart now: every line's dynamic price and factors, each discount, \
              the coupon and the total checkout charges.",
};

pub const PRICING_GET: FunctionSpec = FunctionSpec {
    name: "pricing-get",
    trigger: Trigger::Http { method: "GET", path: "/admin/pricing", status: 200 },
    role: Some(Role::Admin),
    limits: &[],
    summary: "The active pricing rules, every plan's current dynamic price with its factors, the bulk and \
              subscription rules, and the promotions in force with their use so far.",
};

pub const PRICING_RULES_UPDATE: FunctionSpec = FunctionSpec {
    name: "pricing-rules-update",
    trigger: Trigger::Http { method: "POST", path: "/admin/pricing/rules", status: 201 },
    role: Some(Role::Admin),
    limits: &[],
    summary: "Publishes a validated pricing-rules document as the next version and activates it \
              (optionally only if base_version is still the active one).",
};

pub const PRICING_RULES_VERSIONS: FunctionSpec = FunctionSpec {
    name: "pricing-rules-versions",
    trigger: Trigger::Http { method: "GET", path: "/admin/pricing/rules/versions", status: 200 },
    role: Some(Role::Admin),
    limits: &[],
    summary: "Every published pricing-rules version with its author, time and note, newest first (limit, cursor).",
};

pub const PRICING_RULES_ROLLBACK: FunctionSpec = FunctionSpec {
    name: "pricing-rules-rollback",
    trigger: Trigger::Http { method: "POST", path: "/admin/pricing/rules/rollback", status: 201 },
    role: Some(Role::Admin),
    limits: &[],
    summary: "Makes an earlier version's rules active again, published as a new version that says so.",
};

pub const PRICING_PROMOTIONS: FunctionSpec = FunctionSpec {
    name: "pricing-promotions",
    trigger: Trigger::Http { method: "GET", path: "/admin/pricing/promotions", status: 200 },
    role: Some(Role::Admin),
    limits: &[],
    summary: "Every promotion (coupon) with its state now, its live use and what it applies to, and who created \
              or ended it.",
};

pub const PRICING_PROMOTION_CREATE: FunctionSpec = FunctionSpec {
    name: "pricing-promotion-create",
    trigger: Trigger::Http { method: "POST", path: "/admin/pricing/promotions", status: 201 },
    role: Some(Role::Admin),
    limits: &[],
    summary: "Creates a promotion: code, percent or fixed value, minimum order, usage limit, once per customer, \
              start and end, the plans or locations it applies to. Checkout and quotes honour it at once.",
};

pub const PRICING_PROMOTION_END: FunctionSpec = FunctionSpec {
    name: "pricing-promotion-end",
    trigger: Trigger::Http { method: "POST", path: "/admin/pricing/promotions/{code}/end", status: 200 },
    role: Some(Role::Admin),
    limits: &[],
    summary: "Ends a promotion now: no order can use it from then on. Ending an ended one changes nothing.",
};

pub const QUEUE_OVERVIEW: FunctionSpec = FunctionSpec {
    name: "queue-overview",
    trigger: Trigger::Http { method: "GET", path: "/admin/system/queue", status: 200 },
    role: Some(Role::Admin),
    limits: &[],
    summary: "Horizon's view of the five queues: depth, dead letters, worker limit and job metrics per queue \
              and job type, health with recommendations, scaling recommendations and recent failed jobs.",
};

pub const QUEUE_FAILED_LIST: FunctionSpec = FunctionSpec {
    name: "queue-failed-list",
    trigger: Trigger::Http { method: "GET", path: "/admin/system/queue/failed", status: 200 },
    role: Some(Role::Admin),
    limits: &[],
    summary: "Jobs that failed their last attempt, newest first, with type, error, attempts and first/last \
              failure (queue or type filter; limit, cursor).",
};

pub const QUEUE_FAILED_DELETE: FunctionSpec = FunctionSpec {
    name: "queue-failed-delete",
    trigger: Trigger::Http { method: "DELETE", path: "/admin/system/queue/failed/{id}", status: 200 },
    role: Some(Role::Admin),
    limits: &[],
    summary: "Removes one failed job's record (the dead letter itself is retried or cleared by maintenance).",
};

pub const QUEUE_RETRY: FunctionSpec = FunctionSpec {
    name: "queue-retry",
    trigger: Trigger::Http { method: "POST", path: "/admin/system/queue/retry", status: 200 },
    role: Some(Role::Admin),
    limits: &[],
    summary: "Moves up to `limit` (default 10) dead letters of a queue back to it, keeping their job ids; \
              reports each message.",
};

pub const SYSTEM_HEALTH_CHECK: FunctionSpec = FunctionSpec {
    name: "system-health-check",
    trigger: Trigger::Schedule { expression: "rate(5 minutes)" },
    role: None,
    limits: &[],
    summary: "Runs the health check, caches it as realtime:system_health for 600 s and keeps its alert open while \
              the system is not healthy, resolved when it is.",
};

pub const SYSTEM_ALERTS: FunctionSpec = FunctionSpec {
    name: "system-alerts",
    trigger: Trigger::Http { method: "GET", path: "/admin/system/alerts", status: 200 },
    role: Some(Role::Admin),
    limits: &[],
    summary: "The open alerts (status=open, the default) or all of them (status=all), newest first, with their \
              sightings, acknowledgement and resolution (limit, cursor).",
};

pub const SYSTEM_ALERT_ACK: FunctionSpec = FunctionSpec {
    name: "system-alert-ack",
    trigger: Trigger::Http { method: "POST", path: "/admin/system/alerts/{id}/ack", status: 200 },
    role: Some(Role::Admin),
    limits: &[],
    summary: "Acknowledges an open alert as the caller; it stays open until its condition clears (409 when it is \
              already acknowledged or resolved).",
};

pub const SYSTEM_DASHBOARD: FunctionSpec = FunctionSpec {
    name: "system-dashboard",
    trigger: Trigger::Http { method: "GET", path: "/admin/system/dashboard", status: 200 },
    role: Some(Role::Admin),
    limits: &[],
    summary: "The system dashboard's data in one call: overall status and the six checks (the 5-minute check's \
              report), open alerts, queue tiles, cache, capacity, the last maintenance and the release, the \
              caller's unread notifications; a part that cannot be read is named.",
};

pub const ANALYTICS_GET: FunctionSpec = FunctionSpec {
    name: "analytics-get",
    trigger: Trigger::Http { method: "GET", path: "/admin/analytics", status: 200 },
    role: Some(Role::Admin),
    limits: &[],
    summary: "Business and user metrics for a period (`period`: today, 7d, 30d, 90d, 1y, or custom with `from` \
              and `to`), each against the period before: revenue gross, refunds and net, orders, average order \
              value, breakdowns by payment method, location and plan, MRR and its movements, churn, ARPU and \
              LTV; new and active customers, repeat purchases, retention cohorts, segments. Read from rollups.",
};

pub const ANALYTICS_REALTIME: FunctionSpec = FunctionSpec {
    name: "analytics-realtime",
    trigger: Trigger::Http { method: "GET", path: "/admin/analytics/realtime", status: 200 },
    role: Some(Role::Admin),
    limits: &[],
    summary: "The live figures over the last 5 minutes, the last hour and today so far: orders and revenue, \
              requests per minute, error rates, p95 latency, distinct active customers; the queues' depths and \
              the last health check's status.",
};

pub const ANALYTICS_ROLLUP: FunctionSpec = FunctionSpec {
    name: "analytics-rollup",
    trigger: Trigger::Schedule { expression: "cron(5 * * * ? *)" },
    role: None,
    limits: &[],
    summary: "Hourly at :05 UTC: copies the request telemetry (per function), the job metrics (per job type) and the \
              health checks of the current hour and the six before it from the cache to the analytics rollups, \
              per hour and day, and the quotes priced onto the sales totals.",
};

pub const ANALYTICS_REPORTS: FunctionSpec = FunctionSpec {
    name: "analytics-reports",
    trigger: Trigger::Http { method: "GET", path: "/admin/analytics/reports", status: 200 },
    role: Some(Role::Admin),
    limits: &[],
    summary: "The stored analytics reports (daily, weekly, monthly), newest period first, paged.",
};

pub const ANALYTICS_REPORT_GET: FunctionSpec = FunctionSpec {
    name: "analytics-report-get",
    trigger: Trigger::Http { method: "GET", path: "/admin/analytics/reports/{id}", status: 200 },
    role: Some(Role::Admin),
    limits: &[],
    summary: "One stored report: as JSON (`format=json`, in the envelope), or as CSV (`format=csv`: a zip of every \
              table, or one table with `table`).",
};

pub const ANALYTICS_REPORT_DAILY: FunctionSpec = FunctionSpec {
    name: "analytics-report-daily",
    trigger: Trigger::Schedule { expression: "cron(0 6 * * ? *)" },
    role: None,
    limits: &[],
    summary: "Daily at 06:00 UTC: the previous UTC day's analytics report, every section frozen, stored once.",
};

pub const ANALYTICS_REPORT_WEEKLY: FunctionSpec = FunctionSpec {
    name: "analytics-report-weekly",
    trigger: Trigger::Schedule { expression: "cron(0 7 ? * SUN *)" },
    role: None,
    limits: &[],
    summary: "Sundays at 07:00 UTC: the previous ISO week's analytics report (Monday to Sunday), stored once.",
};

pub const ANALYTICS_REPORT_MONTHLY: FunctionSpec = FunctionSpec {
    name: "analytics-report-monthly",
    trigger: Trigger::Schedule { expression: "cron(0 8 1 * ? *)" },
    role: None,
    limits: &[],
    summary: "On the 1st at 08:00 UTC: the previous month's analytics report, stored once.",
};

pub const SYSTEM_LOGS: FunctionSpec = FunctionSpec {
    name: "system-logs",
    trigger: Trigger::Http { method: "GET", path: "/admin/system/logs", status: 200 },
    role: Some(Role::Admin),
    limits: &[],
    summary: "The system's recent log events, newest first, by function, level, time range (since, until) and text \
              (q), a page at a time (limit, cursor); secrets redacted. One CloudWatch Logs Insights query.",
};

pub const LOG_CLEANUP: FunctionSpec = FunctionSpec {
    name: "log-cleanup",
    trigger: Trigger::Schedule { expression: "cron(0 3 ? * SUN *)" },
    role: None,
    limits: &[],
    summary: "Sundays at 03:00 UTC: makes every function's log retention the configured one, deletes the records \
              past their retention the table's TTL has not removed yet, prunes the cache's tag sets, and reports \
              what it removed.",
};

pub const ADMIN_NOTIFICATIONS: FunctionSpec = FunctionSpec {
    name: "admin-notifications",
    trigger: Trigger::Http { method: "GET", path: "/admin/notifications", status: 200 },
    role: Some(Role::Admin),
    limits: &[],
    summary: "The dashboard's notifications (alerts opened, escalated, resolved), newest first, each read or not \
              by the caller, with the caller's unread count (limit, cursor).",
};

pub const ADMIN_NOTIFICATION_READ: FunctionSpec = FunctionSpec {
    name: "admin-notification-read",
    trigger: Trigger::Http { method: "POST", path: "/admin/notifications/{id}/read", status: 200 },
    role: Some(Role::Admin),
    limits: &[],
    summary: "Marks one notification read by the caller (again is fine; 404 when there is none).",
};

pub const ADMIN_NOTIFICATIONS_READ: FunctionSpec = FunctionSpec {
    name: "admin-notifications-read",
    trigger: Trigger::Http { method: "POST", path: "/admin/notifications/read", status: 200 },
    role: Some(Role::Admin),
    limits: &[],
    summary: "Marks every notification made until now read by the caller.",
};

pub const QUEUE_MAINTENANCE: FunctionSpec = FunctionSpec {
    name: "queue-maintenance",
    trigger: Trigger::Schedule { expression: "cron(0 2 * * ? *)" },
    role: None,
    limits: &[],
    summary: "Daily at 02:00 UTC: deletes dead letters older than 7 days (`clear_failed_days`) with their \
              failed-job records and archives what it deleted.",
};

pub const QUEUE_AUTOSCALE: FunctionSpec = FunctionSpec {
    name: "queue-autoscale",
    trigger: Trigger::Schedule { expression: "rate(5 minutes)" },
    role: None,
    limits: &[],
    summary: "Every 5 minutes: sets each queue worker's maximum concurrency to what its backlog and job \
              runtime call for, within bounds, and archives every decision with its inputs.",
};

pub const INVENTORY_GET: FunctionSpec = FunctionSpec {
    name: "inventory-get",
    trigger: Trigger::Http { method: "GET", path: "/admin/inventory", status: 200 },
    role: Some(Role::Admin),
    limits: &[],
    summary: "Capacity per server, location and protocol (used, held, free, utilisation, band), servers in the \
              warning or critical band, load spread per location, scaling decisions, the capacity forecast and \
              the last inventory check.",
};

pub const INVENTORY_REBALANCE: FunctionSpec = FunctionSpec {
    name: "inventory-rebalance",
    trigger: Trigger::Http { method: "POST", path: "/admin/inventory/rebalance", status: 200 },
    role: Some(Role::Admin),
    limits: &[],
    summary: "The rebalance plan (dry_run, default true) for a location or all, at most limit clients; executed, \
              one migration job per client on the low queue, with the job ids.",
};

pub const INVENTORY_SERVER_STATUS: FunctionSpec = FunctionSpec {
    name: "inventory-server-status",
    trigger: Trigger::Http { method: "POST", path: "/admin/inventory/servers/{id}/status", status: 200 },
    role: Some(Role::Admin),
    limits: &[],
    summary: "Sets a server's status: up (selling), down, paused (standby) or draining (no new sales, clients \
              moved off by rebalancing).",
};

pub const INVENTORY_CHECK: FunctionSpec = FunctionSpec {
    name: "inventory-check",
    trigger: Trigger::Schedule { expression: "rate(15 minutes)" },
    role: None,
    limits: &[],
    summary: "Every 15 minutes: expires overdue holds, reconciles the capacity counters, alerts on band \
              crossings, applies scaling decisions, refreshes the capacity forecast and archives the run.",
};

pub const CLIENT_EXPIRY: FunctionSpec = FunctionSpec {
    name: "client-expiry",
    trigger: Trigger::Schedule { expression: "cron(30 * * * ? *)" },
    role: None,
    limits: &[],
    summary: "Every hour at half past (UTC): queues the expiry of every client past its subscription (off its \
              panel, inactive, slot freed, customer told) and tells customers of clients expiring within 3 days.",
};

pub const SYSTEM_CACHE: FunctionSpec = FunctionSpec {
    name: "system-cache",
    trigger: Trigger::Http { method: "GET", path: "/admin/system/cache", status: 200 },
    role: Some(Role::Admin),
    limits: &[],
    summary: "The cache per store (default, sessions, analytics) and tier (instance, Redis): hits, misses, hit \
              rate, loads and their time, evictions, early refreshes, errors over the last hour and day; Redis \
              memory, policy, clients and key count; the busiest tags; the warmers' last runs; recommendations.",
};

pub const SYSTEM_CACHE_WARMUP: FunctionSpec = FunctionSpec {
    name: "system-cache-warmup",
    trigger: Trigger::Http { method: "POST", path: "/admin/system/cache/warmup", status: 200 },
    role: Some(Role::Admin),
    limits: &[],
    summary: "Runs every warmer (or those named in `warmers`) and reports what each loaded and how long it took; \
              409 while another warm-up runs.",
};

pub const SYSTEM_CACHE_CLEAR: FunctionSpec = FunctionSpec {
    name: "system-cache-clear",
    trigger: Trigger::Http { method: "POST", path: "/admin/system/cache/clear", status: 200 },
    role: Some(Role::Admin),
    limits: &[],
    summary: "Removes one store's keys (`store`), the keys filed under `tags` in every store, or every store's \
              keys (`all: true`) — never a key outside the cache's prefix; reports how many per store.",
};

pub const CACHE_WARMUP: FunctionSpec = FunctionSpec {
    name: "cache-warmup",
    trigger: Trigger::Schedule { expression: "cron(0 * * * ? *)" },
    role: None,
    limits: &[],
    summary: "Every hour on the hour (UTC): runs every warmer, as `POST /admin/system/cache/warmup` does; skipped \
              while an operator's warm-up runs.",
};

pub const QUEUE_WORKER: FunctionSpec = FunctionSpec {
    name: "queue-worker",
    trigger: Trigger::Worker { queues: &Priority::ALL },
    role: None,
    limits: &[],
    summary: "Runs queued jobs from the five priority queues, once each, reporting only failed messages.",
};

pub const SIGNUP_CONFIRMED: FunctionSpec = FunctionSpec {
    name: "signup-confirmed",
    trigger: Trigger::UserPool { trigger: "PostConfirmation" },
    role: None,
    limits: &[],
    summary: "Cognito's post-confirmation trigger: makes the new user's customer profile and empty wallet from \
              their attributes, once however often Cognito retries; a taken username gets a suffix, a taken e-mail \
              writes nothing (support links it).",
};

pub const ADMIN_UI: FunctionSpec = FunctionSpec {
    name: "admin-ui",
    trigger: Trigger::Http { method: "GET", path: "/admin/ui", status: 200 },
    // Public: the shell holds no data; it signs the reader in and loads the page routes with their token.
    role: None,
    limits: &[],
    summary: "The admin dashboards' page (HTML, no sign-in needed to load it): navigation, sign-in (Cognito's \
              hosted UI with PKCE, or a pasted dev token locally) and the script that loads each page's panels \
              from `/admin/pages/...` with the token (`?page=system|analytics|queues|inventory|pricing`).",
};

pub const PAGE_SYSTEM: FunctionSpec = FunctionSpec {
    name: "page-system",
    trigger: Trigger::Http { method: "GET", path: "/admin/pages/system", status: 200 },
    role: Some(Role::Admin),
    limits: &[],
    summary: "The system dashboard's panels as HTML: status and the health checks with their figures, open \
              alerts with acknowledge, queue tiles and the workload table, cache hit rates and memory, capacity, \
              the latest logged errors (the live panels reload every 5 s in `/admin/ui`).",
};

pub const PAGE_ANALYTICS: FunctionSpec = FunctionSpec {
    name: "page-analytics",
    trigger: Trigger::Http { method: "GET", path: "/admin/pages/analytics", status: 200 },
    role: Some(Role::Admin),
    limits: &[],
    summary: "The analytics dashboard's panels as HTML for a period (`period` as `GET /admin/analytics`): KPI \
              tiles with their change, revenue and orders with the forecast's 80/95 % bands, MRR movements, the \
              cohort heat map, breakdowns, realtime tiles, reports with downloads.",
};

pub const PAGE_QUEUES: FunctionSpec = FunctionSpec {
    name: "page-queues",
    trigger: Trigger::Http { method: "GET", path: "/admin/pages/queues", status: 200 },
    role: Some(Role::Admin),
    limits: &[],
    summary: "The queues' panels as HTML: every queue's backlog and throughput, job types, failed jobs with \
              retry and delete.",
};

pub const PAGE_CHATS: FunctionSpec = FunctionSpec {
    name: "page-chats",
    trigger: Trigger::Http { method: "GET", path: "/admin/pages/chats", status: 200 },
    role: Some(Role::Admin),
    limits: &[],
    summary: "The support inbox as HTML: the open conversations with unread counts and assignees (`assigned`), \
              and one conversation's latest messages with read, take over, close and reply (`conversation`).",
};

pub const PAGE_INVENTORY: FunctionSpec = FunctionSpec {
    name: "page-inventory",
    trigger: Trigger::Http { method: "GET", path: "/admin/pages/inventory", status: 200 },
    role: Some(Role::Admin),
    limits: &[],
    summary: "The inventory's panels as HTML: capacity per location with bands, forecast and scaling, capacity \
              alerts, load spread and rebalancing (`plan=rebalance` shows the dry run's plan and its execute \
              button), servers with their status change.",
};

pub const PAGE_PRICING: FunctionSpec = FunctionSpec {
    name: "page-pricing",
    trigger: Trigger::Http { method: "GET", path: "/admin/pages/pricing", status: 200 },
    role: Some(Role::Admin),
    limits: &[],
    summary: "The pricing panels as HTML: the rules in force, every plan's price with its factors, rule \
              versions with rollback, promotions with their live use, create and end.",
};

pub const SYSTEM_EXPORT: FunctionSpec = FunctionSpec {
    name: "system-export",
    trigger: Trigger::Http { method: "GET", path: "/admin/system/export", status: 200 },
    role: Some(Role::Admin),
    limits: &[],
    summary: "The system report (`format=json|csv|html`, `period` as `GET /admin/analytics`): health and alerts, \
              queues, cache, capacity and forecasts, prices and promotions, the analytics summary; JSON as one \
              document, CSV as a zip of one file per table, HTML as a printable page.",
};

pub const BROADCASTING_AUTH: FunctionSpec = FunctionSpec {
    name: "broadcasting-auth",
    trigger: Trigger::Http { method: "POST", path: "/api/broadcasting/auth", status: 200 },
    role: Some(Role::Customer),
    limits: &[rate_limit::API],
    summary: "Pusher's channel authorisation: signs the caller's socket into one of their own private or presence \
              channels (`{\"auth\": \"key:signature\"}`, with the member's channel_data on a presence channel); any \
              other channel is a 403.",
};

pub const REALTIME_CONNECT: FunctionSpec = FunctionSpec {
    name: "realtime-connect",
    trigger: Trigger::WebSocket { route: "$connect" },
    role: None,
    limits: &[],
    summary: "The WebSocket API's $connect: registers the connection (it expires with API Gateway's 2-hour limit) and \
              queues its pusher:connection_established, which can be posted only once the socket is open.",
};

pub const REALTIME_MESSAGE: FunctionSpec = FunctionSpec {
    name: "realtime-message",
    trigger: Trigger::WebSocket { route: "$default" },
    role: None,
    limits: &[],
    summary: "The WebSocket API's $default: one Pusher frame — ping, subscribe (signature checked), unsubscribe, a \
              client event (rate-limited, not echoed) — answered on the connection.",
};

pub const REALTIME_DISCONNECT: FunctionSpec = FunctionSpec {
    name: "realtime-disconnect",
    trigger: Trigger::WebSocket { route: "$disconnect" },
    role: None,
    limits: &[],
    summary: "The WebSocket API's $disconnect: forgets the connection and its subscriptions, and tells each presence \
              channel its member left when it was their last connection there.",
};

pub const NOTIFICATIONS: FunctionSpec = FunctionSpec {
    name: "notifications",
    trigger: Trigger::Http { method: "GET", path: "/api/notifications", status: 200 },
    role: Some(Role::Customer),
    limits: &[rate_limit::API],
    summary: "The caller's notifications, newest first, each read or not, with their unread count (limit, cursor); \
              the same ones are pushed to their private channel as they arrive.",
};

pub const NOTIFICATION_READ: FunctionSpec = FunctionSpec {
    name: "notification-read",
    trigger: Trigger::Http { method: "POST", path: "/api/notifications/{id}/read", status: 200 },
    role: Some(Role::Customer),
    limits: &[rate_limit::API],
    summary: "Marks one of the caller's notifications read (again is fine; 404 when their inbox has none such).",
};

pub const NOTIFICATIONS_READ: FunctionSpec = FunctionSpec {
    name: "notifications-read",
    trigger: Trigger::Http { method: "POST", path: "/api/notifications/read", status: 200 },
    role: Some(Role::Customer),
    limits: &[rate_limit::API],
    summary: "Marks every notification of the caller's until now read.",
};

pub const ACTIVITY: FunctionSpec = FunctionSpec {
    name: "activity",
    trigger: Trigger::Http { method: "GET", path: "/api/activity", status: 200 },
    role: Some(Role::Customer),
    limits: &[rate_limit::API],
    summary: "The caller's activity feed — their orders', clients' and wallet's events of the last 30 days — newest \
              first, each with the id it was pushed under (limit, cursor).",
};

pub const ADMIN_ACTIVITY: FunctionSpec = FunctionSpec {
    name: "admin-activity",
    trigger: Trigger::Http { method: "GET", path: "/admin/activity", status: 200 },
    role: Some(Role::Admin),
    limits: &[],
    summary: "The admins' activity feed — system alerts opened, escalated and resolved in the last 30 days — newest \
              first, each with the id it was pushed under (limit, cursor).",
};

pub const ADMIN_PRESENCE: FunctionSpec = FunctionSpec {
    name: "admin-presence",
    trigger: Trigger::Http { method: "GET", path: "/admin/presence", status: 200 },
    role: Some(Role::Admin),
    limits: &[],
    summary: "Who is online (seen within 150 s: an open tab pings every 2 minutes) and who is away (within 10 minutes), \
              most recently seen first, from one Redis sorted set by last seen.",
};

pub const CHATS: FunctionSpec = FunctionSpec {
    name: "chats",
    trigger: Trigger::Http { method: "GET", path: "/api/chats", status: 200 },
    role: Some(Role::Customer),
    limits: &[rate_limit::API],
    summary: "The caller's support conversations, newest first, each with their unread count and its channel \
              (limit, cursor).",
};

pub const CHAT_START: FunctionSpec = FunctionSpec {
    name: "chat-start",
    trigger: Trigger::Http { method: "POST", path: "/api/chats", status: 200 },
    role: Some(Role::Customer),
    limits: &[rate_limit::API],
    summary: "The caller's open conversation with support, opened if they have none (`started` says which); one \
              open conversation per customer. Admins answer conversations and cannot open one (403).",
};

pub const CHAT_MESSAGES: FunctionSpec = FunctionSpec {
    name: "chat-messages",
    trigger: Trigger::Http { method: "GET", path: "/api/chats/{id}/messages", status: 200 },
    role: Some(Role::Customer),
    limits: &[rate_limit::API],
    summary: "A conversation's messages, newest first (limit, cursor), with the conversation as the caller sees \
              it; its customer's and the admins' only (404 otherwise).",
};

pub const CHAT_SEND: FunctionSpec = FunctionSpec {
    name: "chat-send",
    trigger: Trigger::Http { method: "POST", path: "/api/chats/{id}/messages", status: 201 },
    role: Some(Role::Customer),
    limits: &[rate_limit::API],
    summary: "Sends a message into an open conversation for the caller's side (the customer, or support for an \
              admin), pushed on its channel and to both sides' channels; an `Idempotency-Key` makes a retry return \
              the first send's message. A closed conversation is a 409.",
};

pub const CHAT_READ: FunctionSpec = FunctionSpec {
    name: "chat-read",
    trigger: Trigger::Http { method: "POST", path: "/api/chats/{id}/read", status: 200 },
    role: Some(Role::Customer),
    limits: &[rate_limit::API],
    summary: "The caller has read the conversation so far: their unread count goes to 0 (a mark that only moves \
              forward).",
};

pub const CHAT_CLOSE: FunctionSpec = FunctionSpec {
    name: "chat-close",
    trigger: Trigger::Http { method: "POST", path: "/api/chats/{id}/close", status: 200 },
    role: Some(Role::Customer),
    limits: &[rate_limit::API],
    summary: "Ends a conversation (its customer or an admin): it takes no more messages and leaves the open lists; \
              the customer's next one is new. Again is fine.",
};

pub const ADMIN_CHATS: FunctionSpec = FunctionSpec {
    name: "admin-chats",
    trigger: Trigger::Http { method: "GET", path: "/admin/chats", status: 200 },
    role: Some(Role::Admin),
    limits: &[],
    summary: "The open support conversations, the most recently active first, with support's unread count and \
              assignee (`assigned`: any, me, none; limit, cursor).",
};

pub const ADMIN_CHAT_ASSIGN: FunctionSpec = FunctionSpec {
    name: "admin-chat-assign",
    trigger: Trigger::Http { method: "POST", path: "/admin/chats/{id}/assign", status: 200 },
    role: Some(Role::Admin),
    limits: &[],
    summary: "Assigns an open conversation to an admin (`admin_id`, the caller by default); one another admin has \
              is a 409 naming them unless `take_over`.",
};

/// Matches a request against the HTTP routes. Path parameters are `{name}` segments.
pub fn match_http(method: &str, path: &str) -> Option<(&'static FunctionSpec, Vec<(&'static str, String)>)> {
    FUNCTIONS.iter().find_map(|spec| {
        let Trigger::Http { method: m, path: pattern, .. } = spec.trigger else {
            return None;
        };
        if !m.eq_ignore_ascii_case(method) {
            return None;
        }
        let params = match_path(pattern, path)?;
        Some((spec, params))
    })
}

fn match_path(pattern: &'static str, path: &str) -> Option<Vec<(&'static str, String)>> {
    let want: Vec<&'static str> = pattern.trim_matches('/').split('/').collect();
    let got: Vec<&str> = path.trim_end_matches('/').trim_start_matches('/').split('/').collect();
    if want.len() != got.len() {
        return None;
    }
    let mut params = Vec::new();
    for (w, g) in want.into_iter().zip(got) {
        if let Some(name) = w.strip_prefix('{').and_then(|w| w.strip_suffix('}')) {
            if g.is_empty() {
                return None;
            }
            params.push((name, g.to_owned()));
        } else if w != g {
            return None;
        }
    }
    Some(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_logical_ids_are_derived() {
        let names: std::collections::BTreeSet<&str> = FUNCTIONS.iter().map(|f| f.name).collect();
        assert_eq!(names.len(), FUNCTIONS.len());
        assert_eq!(SYSTEM_HEALTH_CHECK.logical_id(), "SystemHealthCheckFunction");
    }

    #[test]
    fn http_routes_match_with_parameters() {
        assert_eq!(match_http("GET", "/admin/system/health").unwrap().0.name, "system-health");
        assert!(match_http("POST", "/admin/system/health").is_none());
        assert!(match_http("GET", "/admin/system").is_none());
        assert_eq!(match_path("/api/orders/{id}", "/api/orders/42"), Some(vec![("id", "42".to_owned())]));
        assert_eq!(match_path("/api/orders/{id}", "/api/orders/"), None);
    }
}
