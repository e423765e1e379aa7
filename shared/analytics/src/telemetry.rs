//! The hourly roll-up of the system's own telemetry into the store, where it is kept past the cache's day: each
//! HTTP function's requests, errors and latency buckets and each job type's runs, failures and runtime, per hour
//! (kept 14 days), per day and per month (kept for good); provisioning's panel calls and outcomes per server; the 5-minute
//! health checks' outcomes summed per day; the quotes
//! priced (the quote function's successful requests) on the business totals, for the conversion rate.
//!
//! Every write sets a whole value (a copy of the cache's counters, or a sum of the store's hours), never adds:
//! a run repeated, or overlapping the next, leaves the same items. Each run copies the current hour and the
//! `CATCH_UP_HOURS` before it, so a failed run's hours are filled by the next.

use crate::AnalyticsEnv;
use api::routes::{FUNCTIONS, PRICING_QUOTE, Trigger};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use platform::{panel_metrics, request_metrics};
use proxy_core::domain::{Dimension, Grain, Rollup, RollupKey, ServerId, day_bucket};
use proxy_core::error::PortError;
use queues::metrics::read_type_hour;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

platform::env!(
    /// What the roll-up reads and writes: the cache's counters, the job types, the store's rollups.
    TelemetryEnv: AnalyticsEnv, platform::deps::HasCache, platform::deps::HasJobTypes
);

/// Hours before the current one that each run copies again (the cache keeps them 26 hours): a run missed for
/// up to this long is made up by the next. An hour copied before is written again only if its count grew.
pub const CATCH_UP_HOURS: i64 = 6;
/// Writes in flight at once.
const CONCURRENCY: usize = 8;

/// Measures of the telemetry rollups.
pub mod measure {
    pub const REQUESTS: &str = "requests";
    pub const CLIENT_ERRORS: &str = "client_errors";
    pub const SERVER_ERRORS: &str = "server_errors";
    pub const JOBS: &str = "jobs";
    pub const RUNTIME_US: &str = "runtime_us";
    pub const FAILED: &str = "failed";
    pub const DEAD: &str = "dead";
    pub const CHECKS: &str = "checks";
    pub const UP: &str = "up";
    pub const HEALTHY: &str = "healthy";
    pub const QUOTES: &str = "quotes";
    // Provisioning, in `platform::panel_metrics::FIELDS` order.
    pub const PANEL_CALLS: &str = "panel_calls";
    pub const PANEL_FAILED: &str = "panel_failed";
    pub const PANEL_US: &str = "panel_us";
    pub const PANEL_MAX_US: &str = "panel_max_us";
    pub const COMPLETED: &str = "completed";
    pub const DISPUTED: &str = "disputed";
    pub const PROVISIONING: [&str; 6] = [PANEL_CALLS, PANEL_FAILED, PANEL_US, PANEL_MAX_US, COMPLETED, DISPUTED];

    /// The latency bucket `index` of `request_metrics::BUCKETS_MS` (the last: above every bound).
    pub fn latency_bucket(index: usize) -> String {
        format!("b{index}")
    }
}
use measure::*;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RollUpReport {
    pub hours: Vec<String>,
    pub function_hours: usize,
    pub job_type_hours: usize,
    pub server_hours: usize,
    pub days: Vec<String>,
}

/// The HTTP functions, by name.
pub fn http_functions() -> Vec<&'static str> {
    FUNCTIONS.iter().filter(|f| matches!(f.trigger, Trigger::Http { .. })).map(|f| f.name).collect()
}

fn hour_start(hour: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(hour * 3600, 0).unwrap_or_default()
}

/// Copies the hour `now` is in and the `hours_back` before it (the scheduled run: `CATCH_UP_HOURS`).
pub async fn roll_up(ctx: &impl TelemetryEnv, now: DateTime<Utc>, hours_back: i64) -> Result<RollUpReport, PortError> {
    let current = now.timestamp().div_euclid(3600);
    let functions = http_functions();
    let job_types = ctx.job_types();
    let servers: Vec<ServerId> = ctx.stores().catalog.servers().await?.into_iter().map(|s| s.id).collect();
    let mut writes: Vec<(RollupKey, BTreeMap<String, Decimal>)> = Vec::new();
    let mut quotes: Vec<(RollupKey, Decimal)> = Vec::new();
    let mut hours = Vec::new();
    let mut days = BTreeSet::new();
    let (mut function_hours, mut job_type_hours, mut server_hours) = (0, 0, 0);
    for hour in (current - hours_back.max(0))..=current {
        let at = hour_start(hour);
        hours.push(Grain::Hour.bucket(at));
        days.insert(at.date_naive());
        let (requests, jobs, provisioning) = futures_util::future::join3(
            request_metrics::read_hour(ctx.cache(), &functions, hour),
            read_type_hour(ctx.cache(), &job_types, hour),
            panel_metrics::read_hour(ctx.cache(), &servers, hour),
        )
        .await;
        for (server, counts) in servers.iter().zip(provisioning?) {
            let Some(counts) = counts else { continue };
            server_hours += 1;
            let measures = PROVISIONING
                .iter()
                .zip(&counts)
                .map(|(name, value)| ((*name).to_owned(), Decimal::from(*value)))
                .collect();
            writes.push((RollupKey::new(Grain::Hour, Dimension::Provisioning, at, server.as_str()), measures));
        }
        for (function, counts) in functions.iter().zip(requests?) {
            let Some(counts) = counts else { continue };
            function_hours += 1;
            let measures = request_measures(&counts);
            if *function == PRICING_QUOTE.name {
                let quoted = counts[0].saturating_sub(counts[1]).saturating_sub(counts[2]);
                quotes.push((RollupKey::new(Grain::Hour, Dimension::Total, at, ""), Decimal::from(quoted)));
            }
            writes.push((RollupKey::new(Grain::Hour, Dimension::Function, at, *function), measures));
        }
        for (job_type, counts) in job_types.iter().zip(jobs?) {
            let Some(counts) = counts else { continue };
            job_type_hours += 1;
            // In `queues::metrics::TYPE_HOUR_FIELDS` order.
            let measures = [JOBS, RUNTIME_US, FAILED, DEAD]
                .iter()
                .zip(&counts)
                .map(|(name, value)| ((*name).to_owned(), Decimal::from(*value)))
                .collect();
            writes.push((RollupKey::new(Grain::Hour, Dimension::JobType, at, *job_type), measures));
        }
    }
    write_all(ctx, writes, quotes).await?;

    // Each day touched, summed again from its hours.
    let mut day_writes = Vec::new();
    let mut day_quotes = Vec::new();
    for day in &days {
        let (from, to) = (format!("{}T00", day_bucket(*day)), format!("{}T23", day_bucket(*day)));
        let analytics = &ctx.stores().analytics;
        let (function_items, job_items, health_items, server_items) = futures_util::future::join4(
            analytics.rollups_just_written(Grain::Hour, Dimension::Function, &from, &to),
            analytics.rollups_just_written(Grain::Hour, Dimension::JobType, &from, &to),
            analytics.rollups_just_written(Grain::Hour, Dimension::Health, &from, &to),
            analytics.rollups_just_written(Grain::Hour, Dimension::Provisioning, &from, &to),
        )
        .await;
        let at = day.and_hms_opt(0, 0, 0).map(|t| t.and_utc()).unwrap_or_default();
        let function_items = function_items?;
        if let Some(quote_day) = per_value(&function_items).remove(PRICING_QUOTE.name) {
            let quoted = quote_day.get(REQUESTS).copied().unwrap_or_default()
                - quote_day.get(CLIENT_ERRORS).copied().unwrap_or_default()
                - quote_day.get(SERVER_ERRORS).copied().unwrap_or_default();
            day_quotes.push((RollupKey::new(Grain::Day, Dimension::Total, at, ""), quoted));
        }
        let sources = [
            (function_items, Dimension::Function),
            (job_items?, Dimension::JobType),
            (server_items?, Dimension::Provisioning),
        ];
        for (items, dimension) in sources {
            day_writes.extend(
                summed(&items, dimension)
                    .into_iter()
                    .map(|(value, measures)| (RollupKey::new(Grain::Day, dimension, at, value), measures)),
            );
        }
        let checks = health_of(&health_items?);
        if !checks.is_empty() {
            day_writes.push((RollupKey::new(Grain::Day, Dimension::Health, at, ""), checks));
        }
    }
    write_all(ctx, day_writes, day_quotes).await?;

    // Each month touched, summed again from its days (a year's figures are read from months).
    let months: BTreeSet<NaiveDate> = days.iter().map(|d| d.with_day(1).unwrap_or(*d)).collect();
    let mut month_writes = Vec::new();
    let mut month_quotes = Vec::new();
    for first in months {
        let last = first + chrono::Months::new(1) - chrono::Duration::days(1);
        let (from, to) = (day_bucket(first), day_bucket(last));
        let analytics = &ctx.stores().analytics;
        let (function_items, job_items, server_items, totals) = futures_util::future::join4(
            analytics.rollups_just_written(Grain::Day, Dimension::Function, &from, &to),
            analytics.rollups_just_written(Grain::Day, Dimension::JobType, &from, &to),
            analytics.rollups_just_written(Grain::Day, Dimension::Provisioning, &from, &to),
            analytics.rollups_just_written(Grain::Day, Dimension::Total, &from, &to),
        )
        .await;
        let at = first.and_hms_opt(0, 0, 0).map(|t| t.and_utc()).unwrap_or_default();
        let quoted: Decimal = totals?.iter().map(|day| day.get(QUOTES)).sum();
        month_quotes.push((RollupKey::new(Grain::Month, Dimension::Total, at, ""), quoted));
        for (items, dimension) in [
            (function_items?, Dimension::Function),
            (job_items?, Dimension::JobType),
            (server_items?, Dimension::Provisioning),
        ] {
            month_writes.extend(
                summed(&items, dimension)
                    .into_iter()
                    .map(|(value, measures)| (RollupKey::new(Grain::Month, dimension, at, value), measures)),
            );
        }
    }
    write_all(ctx, month_writes, month_quotes).await?;
    Ok(RollUpReport {
        hours,
        function_hours,
        job_type_hours,
        server_hours,
        days: days.iter().map(|d| day_bucket(*d)).collect(),
    })
}

/// The measure an hour's copy must raise to replace the copy before it: the cache's counters only grow.
fn growing(key: &RollupKey) -> Option<&'static str> {
    (key.grain == Grain::Hour).then_some(match key.dimension {
        Dimension::JobType => JOBS,
        Dimension::Provisioning => PANEL_CALLS,
        _ => REQUESTS,
    })
}

async fn write_all(
    ctx: &impl TelemetryEnv,
    writes: Vec<(RollupKey, BTreeMap<String, Decimal>)>,
    quotes: Vec<(RollupKey, Decimal)>,
) -> Result<(), PortError> {
    let analytics = &ctx.stores().analytics;
    for chunk in writes.chunks(CONCURRENCY) {
        let puts = chunk.iter().map(|(key, measures)| analytics.put_rollup(key, measures, growing(key)));
        futures_util::future::join_all(puts).await.into_iter().collect::<Result<Vec<bool>, _>>()?;
    }
    for (key, quoted) in &quotes {
        analytics.set_measure(key, QUOTES, *quoted).await?;
    }
    Ok(())
}

fn request_measures(counts: &[u64]) -> BTreeMap<String, Decimal> {
    let names = [REQUESTS.to_owned(), CLIENT_ERRORS.to_owned(), SERVER_ERRORS.to_owned()]
        .into_iter()
        .chain((0..=request_metrics::BUCKETS_MS.len()).map(latency_bucket));
    names.zip(counts).filter(|(_, count)| **count > 0).map(|(name, count)| (name, Decimal::from(*count))).collect()
}

/// Items summed per value; the slowest panel call of a day or month is the slowest of its parts, not their sum.
fn summed(items: &[Rollup], dimension: Dimension) -> BTreeMap<String, BTreeMap<String, Decimal>> {
    let mut sums = per_value(items);
    if dimension == Dimension::Provisioning {
        for (value, measures) in &mut sums {
            let slowest = items.iter().filter(|i| &i.value == value).map(|i| i.get(PANEL_MAX_US)).max();
            measures.insert(PANEL_MAX_US.to_owned(), slowest.unwrap_or_default());
        }
    }
    sums
}

/// Items summed per value, as the measures an item is written with.
fn per_value(items: &[Rollup]) -> BTreeMap<String, BTreeMap<String, Decimal>> {
    crate::read::per_value(items).into_iter().map(|(value, sums)| (value, sums.0)).collect()
}

/// The health checks recorded in hour items (`m<minute>` = 2 healthy, 1 degraded, 0 critical), counted.
pub fn health_of(items: &[Rollup]) -> BTreeMap<String, Decimal> {
    let (mut checks, mut up, mut healthy) = (0u64, 0u64, 0u64);
    for item in items {
        for (name, outcome) in &item.measures {
            if !name.starts_with('m') {
                continue;
            }
            checks += 1;
            up += u64::from(*outcome >= Decimal::ONE);
            healthy += u64::from(*outcome >= Decimal::TWO);
        }
    }
    if checks == 0 {
        return BTreeMap::new();
    }
    [(CHECKS, checks), (UP, up), (HEALTHY, healthy)]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), Decimal::from(v)))
        .collect()
}
