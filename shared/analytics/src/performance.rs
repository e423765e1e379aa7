//! `performance_metrics(period)`: per HTTP function its requests, 4xx and 5xx rates and p50/p95/p99 latency
//! (from the fixed buckets), the slowest routes, per job type its runs, failure rate and runtime, and uptime
//! over 24 hours, 7 days and 30 days from the 5-minute health checks — all from the telemetry rollups.

use crate::read::{Sums, percent};
use crate::telemetry::health_of;
use crate::telemetry::measure::*;
use crate::{AnalyticsEnv, Period, Window};
use api::routes::{FUNCTIONS, Trigger};
use chrono::{DateTime, Duration, Utc};
use platform::request_metrics::{BUCKETS_MS, percentile_of};
use proxy_core::domain::{Dimension, Grain, Rollup, day_bucket};
use proxy_core::error::PortError;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;

/// How many of the slowest routes are named.
pub const SLOWEST: usize = 5;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PerformanceMetrics {
    pub period: Period,
    /// Busiest first.
    pub functions: Vec<FunctionPerformance>,
    /// The routes with the highest p95 latency.
    pub slowest_routes: Vec<FunctionPerformance>,
    /// Busiest first.
    pub jobs: Vec<JobPerformance>,
    pub uptime: Vec<Uptime>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunctionPerformance {
    pub function: String,
    /// `METHOD /path`.
    pub route: Option<String>,
    pub requests: u64,
    /// 4xx over requests, in percent.
    pub client_error_rate: Option<Decimal>,
    /// 5xx over requests, in percent.
    pub server_error_rate: Option<Decimal>,
    /// Upper bounds of the latency buckets the percentiles fall in (None above the last bound, 10 s).
    pub p50_ms: Option<u64>,
    pub p95_ms: Option<u64>,
    pub p99_ms: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobPerformance {
    pub job_type: String,
    pub runs: u64,
    /// Attempts that failed (retried or not), over runs, in percent.
    pub failure_rate: Option<Decimal>,
    /// Jobs that failed their last attempt (dead-lettered).
    pub failed_for_good: u64,
    pub average_runtime_ms: Option<Decimal>,
}

/// Uptime over a trailing window: the share of the 5-minute checks that found the system up (healthy or
/// degraded), and how many of the window's checks were recorded at all.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Uptime {
    pub window: &'static str,
    pub checks: u64,
    pub expected_checks: u64,
    pub up: u64,
    pub healthy: u64,
    pub uptime_percent: Option<Decimal>,
    pub coverage_percent: Option<Decimal>,
}

pub async fn performance_metrics(ctx: &impl AnalyticsEnv, period: &Period) -> Result<PerformanceMetrics, PortError> {
    let now = ctx.clock().now();
    let (functions, jobs, uptime) = futures_util::future::join3(
        functions(ctx, &period.current),
        jobs(ctx, &period.current),
        uptime(ctx, now, &period.current),
    )
    .await;
    let functions = functions?;
    let mut slowest: Vec<FunctionPerformance> = functions.iter().filter(|f| f.requests > 0).cloned().collect();
    // None (above the last bound) is the slowest of all.
    slowest.sort_by_key(|f| std::cmp::Reverse(f.p95_ms.unwrap_or(u64::MAX)));
    slowest.truncate(SLOWEST);
    Ok(PerformanceMetrics { period: period.clone(), functions, slowest_routes: slowest, jobs: jobs?, uptime: uptime? })
}

fn route_of(function: &str) -> Option<String> {
    FUNCTIONS.iter().find(|f| f.name == function).and_then(|f| match f.trigger {
        Trigger::Http { method, path, .. } => Some(format!("{method} {path}")),
        _ => None,
    })
}

/// The window's requests per function: a query per span.
pub async fn functions(ctx: &impl AnalyticsEnv, window: &Window) -> Result<Vec<FunctionPerformance>, PortError> {
    let items = crate::read::rollups(ctx, Dimension::Function, window).await?;
    let mut rows: Vec<FunctionPerformance> = crate::read::per_value(&items)
        .into_iter()
        .map(|(function, sums)| {
            let requests = sums.get(REQUESTS);
            let buckets: Vec<u64> = (0..=BUCKETS_MS.len()).map(|b| sums.count(&latency_bucket(b))).collect();
            FunctionPerformance {
                route: route_of(&function),
                function,
                requests: sums.count(REQUESTS),
                client_error_rate: percent(sums.get(CLIENT_ERRORS), requests),
                server_error_rate: percent(sums.get(SERVER_ERRORS), requests),
                p50_ms: percentile_of(&buckets, 0.50),
                p95_ms: percentile_of(&buckets, 0.95),
                p99_ms: percentile_of(&buckets, 0.99),
            }
        })
        .collect();
    rows.sort_by(|a, b| b.requests.cmp(&a.requests).then_with(|| a.function.cmp(&b.function)));
    Ok(rows)
}

/// The window's jobs per type: a query per span.
pub async fn jobs(ctx: &impl AnalyticsEnv, window: &Window) -> Result<Vec<JobPerformance>, PortError> {
    let items = crate::read::rollups(ctx, Dimension::JobType, window).await?;
    let mut rows: Vec<JobPerformance> = crate::read::per_value(&items)
        .into_iter()
        .map(|(job_type, sums)| {
            let runs = sums.get(JOBS);
            JobPerformance {
                job_type,
                runs: sums.count(JOBS),
                failure_rate: percent(sums.get(FAILED), runs),
                failed_for_good: sums.count(DEAD),
                average_runtime_ms: (!runs.is_zero())
                    .then(|| (sums.get(RUNTIME_US) / runs / Decimal::ONE_THOUSAND).round_dp(2).normalize()),
            }
        })
        .collect();
    rows.sort_by(|a, b| b.runs.cmp(&a.runs).then_with(|| a.job_type.cmp(&b.job_type)));
    Ok(rows)
}

/// Uptime over the past 24 hours and 7 days (from the hours' checks), 30 days (the days before today, summed
/// by the roll-up, and today's hours) and the period (its days or hours): three queries.
/// The checks in rollup items of any grain: hour items hold each check, day items their counts.
fn counts_of(items: &[Rollup]) -> BTreeMap<String, Decimal> {
    let mut counts = health_of(items);
    for item in items {
        for measure in [CHECKS, UP, HEALTHY] {
            *counts.entry(measure.to_owned()).or_default() += item.get(measure);
        }
    }
    counts
}

pub async fn uptime(ctx: &impl AnalyticsEnv, now: DateTime<Utc>, period: &Window) -> Result<Vec<Uptime>, PortError> {
    let analytics = &ctx.stores().analytics;
    let today = now.date_naive();
    let (from, to) = period.buckets();
    let (week_from, week_to) = (Grain::Hour.bucket(now - Duration::hours(7 * 24 - 1)), Grain::Hour.bucket(now));
    let (month_from, month_to) = (day_bucket(today - Duration::days(29)), day_bucket(today - Duration::days(1)));
    let (hours, days, in_period) = futures_util::join!(
        analytics.rollups(Grain::Hour, Dimension::Health, &week_from, &week_to),
        analytics.rollups(Grain::Day, Dimension::Health, &month_from, &month_to),
        analytics.rollups(period.grain, Dimension::Health, &from, &to),
    );
    let (hours, days, in_period) = (hours?, days?, in_period?);
    let since = |hours_back: i64| Grain::Hour.bucket(now - Duration::hours(hours_back - 1));
    let within = |from: String| -> Vec<Rollup> { hours.iter().filter(|h| h.bucket >= from).cloned().collect() };
    let today_hours = within(format!("{}T00", day_bucket(today)));
    let mut month = crate::read::sum(&days);
    for (measure, value) in health_of(&today_hours) {
        *month.0.entry(measure).or_default() += value;
    }
    let figures = |window: &'static str, counts: BTreeMap<String, Decimal>, expected: u64| {
        let counts = Sums(counts);
        Uptime {
            window,
            checks: counts.count(CHECKS),
            expected_checks: expected,
            up: counts.count(UP),
            healthy: counts.count(HEALTHY),
            uptime_percent: percent(counts.get(UP), counts.get(CHECKS)),
            coverage_percent: percent(counts.get(CHECKS), Decimal::from(expected)),
        }
    };
    Ok(vec![
        figures("24h", health_of(&within(since(24))), 24 * 12),
        figures("7d", health_of(&hours), 7 * 24 * 12),
        figures("30d", month.0, 30 * 24 * 12),
        figures(
            "period",
            counts_of(&in_period),
            u64::try_from((period.to - period.from).num_minutes() / 5).unwrap_or(0),
        ),
    ])
}
