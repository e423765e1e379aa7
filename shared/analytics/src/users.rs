//! `user_metrics(period)`: new customers, active customers (distinct buyers), first-time buyers, the
//! repeat-purchase rate, orders per customer, retention cohorts by first-order month, and segments by loyalty
//! tier and country.

use crate::facts::measure::ORDERS;
use crate::hll;
use crate::ledger::measure::{CUSTOMERS, FIRST_ORDERS, NEW_CUSTOMERS, REPEAT_CUSTOMERS, REVENUE};
use crate::read::{self, History, change_percent, percent};
use crate::{AnalyticsEnv, Period, Window};
use chrono::{Datelike, Months, NaiveDate};
use proxy_core::domain::{Dimension, Grain, Money, month_bucket};
use proxy_core::error::PortError;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;

/// How many cohorts the triangle shows (the latest first-order months).
pub const COHORT_MONTHS: u32 = 12;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserMetrics {
    pub period: Period,
    pub current: Customers,
    pub previous: Customers,
    pub change: CustomersChange,
    /// Of the customers who have bought by the period's end, those who bought at least twice, in percent.
    pub repeat_purchase_rate: Option<Decimal>,
    pub cohorts: Vec<Cohort>,
    pub segments: Segments,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Customers {
    /// Sign-ups.
    pub new_customers: u64,
    /// Distinct customers who ordered (estimated: a HyperLogLog per day, exact for small numbers); for `today`,
    /// over the whole day so far (and yesterday's over all of yesterday).
    pub active_customers: u64,
    /// Customers whose first order fell in the window (for `today`, the whole day so far, as above).
    pub first_time_buyers: u64,
    pub orders: u64,
    pub orders_per_customer: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomersChange {
    pub new_customers: Option<Decimal>,
    pub active_customers: Option<Decimal>,
}

/// One row of the retention triangle: the customers whose first order was in `month`, and per following month
/// (0 = the first) how many ordered again and what they spent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cohort {
    pub month: String,
    pub customers: u64,
    pub retained: Vec<Retained>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Retained {
    pub month_offset: u32,
    pub customers: u64,
    /// Of the cohort, in percent.
    pub rate: Option<Decimal>,
    pub revenue: Money,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Segments {
    /// Customers by loyalty tier now (at the default thresholds), with what they have paid.
    pub by_tier: Vec<Segment>,
    pub by_country: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Segment {
    pub value: String,
    pub customers: u64,
    pub revenue: Money,
}

pub async fn user_metrics(ctx: &impl AnalyticsEnv, period: &Period) -> Result<UserMetrics, PortError> {
    let last = period.current.last_day();
    let first_cohort = last.with_day(1).unwrap_or(last) - Months::new(COHORT_MONTHS - 1);
    let (current, previous, buyers, cohorts, segments) = futures_util::future::join5(
        customers(ctx, &period.current),
        customers(ctx, &period.previous),
        History::read(ctx, Dimension::Total, last, last),
        cohorts(ctx, first_cohort, last),
        segments(ctx),
    )
    .await;
    let (current, previous, buyers) = (current?, previous?, buyers?.as_of(last));
    // Distinct customers are counted per day: `today` so far against all of yesterday would compare unequal
    // windows, so that change is not given.
    let hourly = period.current.grain == Grain::Hour;
    let change = CustomersChange {
        new_customers: change_percent(current.new_customers.into(), previous.new_customers.into()),
        active_customers: (!hourly)
            .then(|| change_percent(current.active_customers.into(), previous.active_customers.into()))
            .flatten(),
    };
    Ok(UserMetrics {
        period: period.clone(),
        current,
        previous,
        change,
        repeat_purchase_rate: percent(buyers.get(REPEAT_CUSTOMERS), buyers.get(FIRST_ORDERS)),
        cohorts: cohorts?,
        segments: segments?,
    })
}

/// A window's customers: its totals and its days' merged HyperLogLog (two queries). An hourly window counts
/// the distinct buyers of its days.
pub async fn customers(ctx: &impl AnalyticsEnv, window: &Window) -> Result<Customers, PortError> {
    let (total, registers) =
        futures_util::future::join(read::total(ctx, window), read::active_registers(ctx, window)).await;
    let total = total?;
    let active = hll::estimate(&registers?);
    let orders = total.count(ORDERS);
    // First orders are kept per day: an hourly window reads them from its days.
    let first_time_buyers = if window.grain == Grain::Hour {
        let day = crate::Window { grain: Grain::Day, ..*window };
        read::total(ctx, &day).await?.count(FIRST_ORDERS)
    } else {
        total.count(FIRST_ORDERS)
    };
    Ok(Customers {
        new_customers: total.count(NEW_CUSTOMERS),
        active_customers: active,
        first_time_buyers,
        orders,
        orders_per_customer: (active > 0).then(|| (Decimal::from(orders) / Decimal::from(active)).round_dp(2)),
    })
}

/// The retention triangle of the cohorts from `first` (a month's first day) to `last`'s month: one query.
pub async fn cohorts(ctx: &impl AnalyticsEnv, first: NaiveDate, last: NaiveDate) -> Result<Vec<Cohort>, PortError> {
    let rollups = ctx
        .stores()
        .analytics
        .rollups(Grain::Month, Dimension::Cohort, &month_bucket(first), &month_bucket(last))
        .await?;
    // cohort month -> activity month -> (customers, revenue)
    let mut cells: BTreeMap<String, BTreeMap<String, (u64, Decimal)>> = BTreeMap::new();
    for rollup in rollups {
        if rollup.value.as_str() < month_bucket(first).as_str() {
            continue;
        }
        let customers: u64 = rollup.get(CUSTOMERS).try_into().unwrap_or(0);
        cells.entry(rollup.value.clone()).or_default().insert(rollup.bucket.clone(), (customers, rollup.get(REVENUE)));
    }
    Ok(cells
        .into_iter()
        .map(|(month, activity)| {
            let size = activity.get(&month).map_or(0, |(c, _)| *c);
            let retained = activity
                .iter()
                .filter_map(|(active_month, (customers, revenue))| {
                    Some(Retained {
                        month_offset: months_between(&month, active_month)?,
                        customers: *customers,
                        rate: percent(Decimal::from(*customers), Decimal::from(size)),
                        revenue: crate::business::money(*revenue),
                    })
                })
                .collect();
            Cohort { month, customers: size, retained }
        })
        .collect())
}

fn months_between(from: &str, to: &str) -> Option<u32> {
    let parse = |m: &str| -> Option<i32> {
        let (y, m) = m.split_once('-')?;
        Some(y.parse::<i32>().ok()? * 12 + m.parse::<i32>().ok()? - 1)
    };
    u32::try_from(parse(to)? - parse(from)?).ok()
}

/// Customers now by loyalty tier and by country: two queries of a few items.
pub async fn segments(ctx: &impl AnalyticsEnv) -> Result<Segments, PortError> {
    let analytics = &ctx.stores().analytics;
    let (tiers, countries) = futures_util::future::join(
        analytics.rollups(Grain::Current, Dimension::Tier, "", ""),
        analytics.rollups(Grain::Current, Dimension::Country, "", ""),
    )
    .await;
    let rows = |rollups: Vec<proxy_core::domain::Rollup>| {
        let mut rows: Vec<Segment> = rollups
            .into_iter()
            .map(|r| Segment {
                customers: r.get(CUSTOMERS).try_into().unwrap_or(0),
                revenue: crate::business::money(r.get(REVENUE)),
                value: r.value,
            })
            .filter(|s| s.customers > 0)
            .collect();
        rows.sort_by(|a, b| b.customers.cmp(&a.customers).then_with(|| a.value.cmp(&b.value)));
        rows
    };
    Ok(Segments { by_tier: rows(tiers?), by_country: rows(countries?) })
}
