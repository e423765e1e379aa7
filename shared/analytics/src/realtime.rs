//! `realtime_metrics()`: the last 5 minutes, the last hour and today so far — orders and revenue, requests per
//! minute, error rates, p95 latency, distinct active customers — with the queues' depths and the last health
//! check's status. Live figures come from the cache's minute and hour counters (the worker counts each order
//! as it applies its fact, the edge each request and its caller); today's sales from the store's day totals.

use crate::facts::measure::{GROSS, ORDERS};
use crate::read::{self, percent};
use crate::telemetry::http_functions;
use crate::{AnalyticsEnv, Window};
use chrono::{DateTime, Duration, Utc};
use platform::request_metrics::{self, percentile_of};
use proxy_core::domain::{Grain, Money, Priority};
use proxy_core::error::PortError;
use proxy_core::ports::{Cache, CounterChange, CounterUpdate, QueueRef};
use rust_decimal::Decimal;
use serde::Serialize;

platform::env!(
    /// What the live figures read: the store, the cache's counters and the queues.
    RealtimeEnv: AnalyticsEnv, platform::deps::HasCache, platform::deps::HasQueue
);

/// How long a minute's sales counters stay (the longest live window is an hour).
const MINUTE_TTL: std::time::Duration = std::time::Duration::from_secs(65 * 60);

fn minute_of(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(60)
}

fn sales_key(minute: i64, field: &str) -> String {
    format!("sales:m:{minute}:{field}")
}

/// Counts an order in its minute's live sales (orders, gross in cents), once its fact has been applied. A
/// cache error is logged: the store's rollups, which today's figures and every report read, have the order.
pub async fn count_sale(cache: &dyn Cache, at: DateTime<Utc>, gross: Money) {
    let minute = minute_of(at);
    let cents = (gross * Decimal::ONE_HUNDRED).round().try_into().unwrap_or(i64::MAX);
    let updates = [
        CounterUpdate { key: sales_key(minute, "orders"), change: CounterChange::Add(1), ttl: MINUTE_TTL },
        CounterUpdate { key: sales_key(minute, "cents"), change: CounterChange::Add(cents), ttl: MINUTE_TTL },
    ];
    if let Err(error) = cache.update_counters(&updates).await {
        tracing::warn!(%error, "live sales not counted");
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RealtimeMetrics {
    pub at: DateTime<Utc>,
    pub windows: Vec<LiveWindow>,
    pub queues: Vec<QueueDepth>,
    /// The last 5-minute health check (`unknown` when none is kept).
    pub health: Health,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiveWindow {
    /// `5m`, `1h` or `today`.
    pub window: &'static str,
    pub orders: u64,
    /// Gross sales.
    pub revenue: Money,
    pub requests: u64,
    pub requests_per_minute: Decimal,
    /// 5xx over requests, in percent.
    pub error_rate: Option<Decimal>,
    pub client_error_rate: Option<Decimal>,
    pub p95_ms: Option<u64>,
    /// Distinct customers who called the API (a HyperLogLog: within about 1 %).
    pub active_customers: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueDepth {
    pub queue: Priority,
    pub waiting: u64,
    pub in_flight: u64,
    pub delayed: u64,
    pub dead_letters: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Health {
    pub status: String,
    pub checked_at: Option<String>,
}

/// Every live figure: six cache reads, ten queue reads and one store query, all at once.
pub async fn realtime_metrics(ctx: &impl RealtimeEnv) -> Result<RealtimeMetrics, PortError> {
    let now = ctx.clock().now();
    let functions = http_functions();
    let cache = ctx.cache();
    let midnight = now.date_naive().and_hms_opt(0, 0, 0).map(|t| t.and_utc()).unwrap_or(now);
    let today = Window { from: midnight, to: midnight + Duration::days(1), grain: Grain::Day };
    let hour = now.timestamp().div_euclid(3600);
    let (live, requests_5, requests_60, requests_today, active, today_sales, queues, health) = futures_util::join!(
        live_sales(cache, now),
        request_metrics::minutes_total(cache, &functions, 5, now),
        request_metrics::minutes_total(cache, &functions, 60, now),
        request_metrics::hours_total(cache, &functions, midnight.timestamp().div_euclid(3600), hour),
        active_customers(cache, now),
        read::total(ctx, &today),
        queue_depths(ctx),
        cache.get(monitoring::health::CACHE_KEY),
    );
    let ((orders_5, cents_5), (orders_60, cents_60)) = live?;
    let (active_5, active_60, active_today) = active?;
    let today_sales = today_sales?;
    let minutes_today = ((now - midnight).num_minutes() + 1).max(1);
    let window = |name, orders: u64, revenue: Decimal, requests: Vec<u64>, minutes: i64, active: u64| {
        let count = Decimal::from(requests[0]);
        LiveWindow {
            window: name,
            orders,
            revenue: crate::business::money(revenue),
            requests: requests[0],
            requests_per_minute: (count / Decimal::from(minutes)).round_dp(2).normalize(),
            error_rate: percent(Decimal::from(requests[2]), count),
            client_error_rate: percent(Decimal::from(requests[1]), count),
            p95_ms: percentile_of(&requests[3..], 0.95),
            active_customers: active,
        }
    };
    let report: Option<serde_json::Value> = health?.and_then(|text| serde_json::from_str(&text).ok());
    Ok(RealtimeMetrics {
        at: now,
        windows: vec![
            window("5m", orders_5, Decimal::from(cents_5) / Decimal::ONE_HUNDRED, requests_5?, 5, active_5),
            window("1h", orders_60, Decimal::from(cents_60) / Decimal::ONE_HUNDRED, requests_60?, 60, active_60),
            window(
                "today",
                today_sales.count(ORDERS),
                today_sales.get(GROSS),
                requests_today?,
                minutes_today,
                active_today,
            ),
        ],
        queues: queues?,
        health: Health {
            status: report.as_ref().and_then(|r| r["status"].as_str()).unwrap_or("unknown").to_owned(),
            checked_at: report.as_ref().and_then(|r| r["checked_at"].as_str()).map(str::to_owned),
        },
    })
}

/// Orders and gross cents over the last 5 and 60 minutes: one read.
async fn live_sales(cache: &dyn Cache, now: DateTime<Utc>) -> Result<((u64, i64), (u64, i64)), PortError> {
    let last = minute_of(now);
    let keys: Vec<String> =
        (last - 59..=last).flat_map(|minute| [sales_key(minute, "orders"), sales_key(minute, "cents")]).collect();
    let values = cache.get_many(&keys).await?;
    let numbers: Vec<i64> = values.iter().map(|v| v.as_deref().and_then(|v| v.parse().ok()).unwrap_or(0)).collect();
    let sum = |pairs: &[i64]| -> (u64, i64) {
        let orders: i64 = pairs.iter().step_by(2).sum();
        let cents: i64 = pairs.iter().skip(1).step_by(2).sum();
        (orders.max(0) as u64, cents)
    };
    Ok((sum(&numbers[numbers.len() - 10..]), sum(&numbers)))
}

async fn active_customers(cache: &dyn Cache, now: DateTime<Utc>) -> Result<(u64, u64, u64), PortError> {
    let (five, hour, today) = futures_util::join!(
        request_metrics::active_customers(cache, 5, now),
        request_metrics::active_customers(cache, 60, now),
        request_metrics::active_customers_today(cache, now),
    );
    Ok((five?, hour?, today?))
}

async fn queue_depths(ctx: &impl RealtimeEnv) -> Result<Vec<QueueDepth>, PortError> {
    let reads = Priority::ALL.map(|queue| async move {
        let (main, dead) = futures_util::join!(
            ctx.queue().attributes(QueueRef::Main(queue)),
            ctx.queue().attributes(QueueRef::DeadLetter(queue)),
        );
        let (main, dead) = (main?, dead?);
        Ok::<_, PortError>(QueueDepth {
            queue,
            waiting: main.visible,
            in_flight: main.in_flight,
            delayed: main.delayed,
            dead_letters: dead.visible + dead.in_flight + dead.delayed,
        })
    });
    futures_util::future::join_all(reads).await.into_iter().collect()
}

/// Today's business at a glance (the system dashboard's tile): sales so far and distinct active customers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Today {
    pub orders: u64,
    pub revenue: Money,
    pub refunds: Money,
    pub new_customers: u64,
    pub active_customers: u64,
}

/// `Today`: the day's totals (one store query) and its distinct callers (one cache read), at once.
pub async fn today(ctx: &(impl AnalyticsEnv + platform::deps::HasCache)) -> Result<Today, PortError> {
    let now = ctx.clock().now();
    let midnight = now.date_naive().and_hms_opt(0, 0, 0).map(|t| t.and_utc()).unwrap_or(now);
    let day = Window { from: midnight, to: midnight + Duration::days(1), grain: Grain::Day };
    let (sales, active) =
        futures_util::join!(read::total(ctx, &day), request_metrics::active_customers_today(ctx.cache(), now));
    let sales = sales?;
    Ok(Today {
        orders: sales.count(ORDERS),
        revenue: crate::business::money(sales.get(GROSS)),
        refunds: crate::business::money(sales.get(crate::facts::measure::REFUNDS)),
        new_customers: sales.count(crate::ledger::measure::NEW_CUSTOMERS),
        active_customers: active?,
    })
}
