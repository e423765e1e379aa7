//! `business_metrics(period)`: revenue (gross, refunds, net), orders, average order value, revenue by payment
//! method, location and plan, and MRR with its movements, churn, ARPU and LTV — for the period and the one
//! before it — and the period's top customers.

use crate::customers::{TopCustomers, top_customers};
use crate::facts::measure::{CLIENTS, DEPOSITS, GROSS, ORDERS, REFUNDED_ORDERS, REFUNDS, REVENUE};
use crate::ledger::measure::{
    CHURN, CHURN_COUNT, CONTRACTION, EXPANSION, NEW, NEW_COUNT, REACTIVATION, REACTIVATION_COUNT,
};
use crate::read::{self, History, Sums, change_percent, percent};
use crate::telemetry::measure::QUOTES;
use crate::{AnalyticsEnv, Period, Window};
use chrono::Duration;
use proxy_core::domain::{Dimension, Money};
use proxy_core::error::PortError;
use rust_decimal::Decimal;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BusinessMetrics {
    pub period: Period,
    pub current: Sales,
    pub previous: Sales,
    /// Percent change against the previous period (None when it had none).
    pub change: SalesChange,
    pub mrr: Mrr,
    /// The period's customers with the largest net sales.
    pub top_customers: TopCustomers,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sales {
    pub gross: Money,
    pub refunds: Money,
    pub net: Money,
    pub orders: u64,
    pub refunded_orders: u64,
    pub clients_sold: u64,
    /// Gross over orders.
    pub average_order_value: Option<Money>,
    /// Money paid into wallets (not revenue until spent on orders).
    pub deposits: Money,
    /// Quotes priced (the quote endpoint's successful requests, copied hourly from its telemetry).
    pub quotes: u64,
    /// Orders over quotes, in percent.
    pub conversion_rate: Option<Decimal>,
    /// Quotes and orders per bucket of the window (days; hours for `today`).
    pub conversion: Vec<Conversion>,
    pub by_payment_method: Vec<Breakdown>,
    pub by_location: Vec<Breakdown>,
    pub by_plan: Vec<Breakdown>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conversion {
    pub bucket: String,
    pub quotes: u64,
    pub orders: u64,
    pub rate: Option<Decimal>,
}

/// One value of a breakdown, largest net revenue first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Breakdown {
    pub value: String,
    pub orders: u64,
    pub revenue: Money,
    pub refunds: Money,
    pub net: Money,
    /// Share of the period's net revenue, in percent.
    pub share: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SalesChange {
    pub net: Option<Decimal>,
    pub orders: Option<Decimal>,
    pub average_order_value: Option<Decimal>,
}

/// MRR over the period: the active subscriptions' monthly value (each order's total over its months, while it
/// runs), its movements as ChartMogul names them, and what follows from them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mrr {
    pub at_start: Money,
    pub at_end: Money,
    pub subscribers_at_start: u64,
    pub subscribers_at_end: u64,
    pub movements: Movements,
    /// Customers lost over the period, of those subscribed at its start, in percent.
    pub customer_churn_rate: Option<Decimal>,
    /// (churn + contraction - expansion - reactivation) over MRR at the start, in percent.
    pub net_mrr_churn_rate: Option<Decimal>,
    /// MRR per subscriber at the end.
    pub arpu: Option<Money>,
    /// The average monthly customer churn rate over the 90 days to the period's end, in percent.
    pub trailing_monthly_churn_rate: Option<Decimal>,
    /// ARPU over the trailing monthly churn rate; "n/a" when nobody churned (it would be infinite).
    pub ltv: Ltv,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Movements {
    pub new: Money,
    pub expansion: Money,
    pub contraction: Money,
    pub churn: Money,
    pub reactivation: Money,
    /// new + expansion + reactivation - contraction - churn.
    pub net: Money,
    pub new_customers: u64,
    pub churned_customers: u64,
    pub reactivated_customers: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Ltv {
    Value(Money),
    NotApplicable(&'static str),
}

/// Money as shown: to the cent, always two places.
pub fn money(value: Decimal) -> Money {
    let mut cents = value.round_dp(2);
    cents.rescale(2);
    cents
}

pub async fn business_metrics(ctx: &impl AnalyticsEnv, period: &Period) -> Result<BusinessMetrics, PortError> {
    let (current, previous, mrr, top_customers) = futures_util::future::join4(
        sales(ctx, &period.current),
        sales(ctx, &period.previous),
        mrr(ctx, &period.current),
        top_customers(ctx, &period.current),
    )
    .await;
    let (current, previous) = (current?, previous?);
    let change = SalesChange {
        net: change_percent(current.net, previous.net),
        orders: change_percent(current.orders.into(), previous.orders.into()),
        average_order_value: match (current.average_order_value, previous.average_order_value) {
            (Some(c), Some(p)) => change_percent(c, p),
            _ => None,
        },
    };
    Ok(BusinessMetrics { period: period.clone(), current, previous, change, mrr: mrr?, top_customers: top_customers? })
}

/// A window's sales: four queries (the total and three breakdowns), read concurrently.
pub async fn sales(ctx: &impl AnalyticsEnv, window: &Window) -> Result<Sales, PortError> {
    let (series, methods, locations, plans) = futures_util::future::join4(
        read::series(ctx, window),
        read::by_value(ctx, Dimension::PaymentMethod, window),
        read::by_value(ctx, Dimension::Location, window),
        read::by_value(ctx, Dimension::Plan, window),
    )
    .await;
    let series = series?;
    let total = read::sum(&series);
    let gross = total.get(GROSS);
    let refunds = total.get(REFUNDS);
    let net = gross - refunds;
    let orders = total.count(ORDERS);
    Ok(Sales {
        gross: money(gross),
        refunds: money(refunds),
        net: money(net),
        orders,
        refunded_orders: total.count(REFUNDED_ORDERS),
        clients_sold: total.count(CLIENTS),
        average_order_value: (orders > 0).then(|| money(gross / Decimal::from(orders))),
        deposits: money(total.get(DEPOSITS)),
        quotes: total.count(QUOTES),
        conversion_rate: percent(Decimal::from(orders), total.get(QUOTES)),
        conversion: series
            .iter()
            .map(|bucket| Conversion {
                bucket: bucket.bucket.clone(),
                quotes: bucket.get(QUOTES).try_into().unwrap_or(0),
                orders: bucket.get(ORDERS).try_into().unwrap_or(0),
                rate: percent(bucket.get(ORDERS), bucket.get(QUOTES)),
            })
            .collect(),
        by_payment_method: breakdown(methods?, GROSS, net),
        by_location: breakdown(locations?, REVENUE, net),
        by_plan: breakdown(plans?, REVENUE, net),
    })
}

fn breakdown(values: std::collections::BTreeMap<String, Sums>, revenue: &str, net_total: Decimal) -> Vec<Breakdown> {
    let mut rows: Vec<Breakdown> = values
        .into_iter()
        .filter(|(_, sums)| sums.count(ORDERS) > 0 || !sums.get(revenue).is_zero() || !sums.get(REFUNDS).is_zero())
        .map(|(value, sums)| {
            let net = sums.get(revenue) - sums.get(REFUNDS);
            Breakdown {
                value,
                orders: sums.count(ORDERS),
                revenue: money(sums.get(revenue)),
                refunds: money(sums.get(REFUNDS)),
                net: money(net),
                share: percent(net, net_total),
            }
        })
        .collect();
    rows.sort_by(|a, b| b.net.cmp(&a.net).then_with(|| a.value.cmp(&b.value)));
    rows
}

/// MRR over a window: its movements' history (two queries), from which the level at any day is a running sum.
pub async fn mrr(ctx: &impl AnalyticsEnv, window: &Window) -> Result<Mrr, PortError> {
    let first = window.first_day();
    let last = window.last_day();
    // The trailing churn looks back 90 days from the end, which may be before the window.
    let trailing_start = last - Duration::days(89);
    let history = History::read(ctx, Dimension::Mrr, first.min(trailing_start), last).await?;
    Ok(mrr_from(&history, first, last))
}

fn level(sums: &Sums) -> Decimal {
    sums.get(NEW) + sums.get(EXPANSION) + sums.get(REACTIVATION) - sums.get(CONTRACTION) - sums.get(CHURN)
}

fn subscribers(sums: &Sums) -> u64 {
    (sums.get(NEW_COUNT) + sums.get(REACTIVATION_COUNT) - sums.get(CHURN_COUNT)).try_into().unwrap_or(0)
}

/// The MRR figures of the days [first, last] from the movements' history.
pub fn mrr_from(history: &History, first: chrono::NaiveDate, last: chrono::NaiveDate) -> Mrr {
    let before = first - Duration::days(1);
    let start = history.as_of(before);
    let end = history.as_of(last);
    let moved = history.between(first, last);
    let (at_start, at_end) = (level(&start), level(&end));
    let (subscribers_at_start, subscribers_at_end) = (subscribers(&start), subscribers(&end));
    let movements = Movements {
        new: money(moved.get(NEW)),
        expansion: money(moved.get(EXPANSION)),
        contraction: money(moved.get(CONTRACTION)),
        churn: money(moved.get(CHURN)),
        reactivation: money(moved.get(REACTIVATION)),
        net: money(level(&moved)),
        new_customers: moved.count(NEW_COUNT),
        churned_customers: moved.count(CHURN_COUNT),
        reactivated_customers: moved.count(REACTIVATION_COUNT),
    };
    let lost = moved.get(CHURN) + moved.get(CONTRACTION) - moved.get(EXPANSION) - moved.get(REACTIVATION);
    let arpu = (subscribers_at_end > 0).then(|| money(at_end / Decimal::from(subscribers_at_end)));
    // Three months to the period's end: customers churned over those subscribed at their start, a month's worth.
    let trailing_from = last - Duration::days(89);
    let trailing_base = subscribers(&history.as_of(trailing_from - Duration::days(1)));
    let trailing_churned = history.between(trailing_from, last).get(CHURN_COUNT);
    // A month's share of the three months' churn, as a fraction (the LTV divides by it unrounded).
    let monthly_churn = (trailing_base > 0).then(|| trailing_churned / Decimal::from(trailing_base) / Decimal::from(3));
    let ltv = match (arpu, monthly_churn) {
        (None, _) => Ltv::NotApplicable("n/a: no subscribers"),
        (Some(arpu), Some(rate)) if !rate.is_zero() => Ltv::Value(money(arpu / rate)),
        _ => Ltv::NotApplicable("n/a: no churn in the last 90 days"),
    };
    Mrr {
        at_start: money(at_start),
        at_end: money(at_end),
        subscribers_at_start,
        subscribers_at_end,
        customer_churn_rate: percent(moved.get(CHURN_COUNT), Decimal::from(subscribers_at_start)),
        net_mrr_churn_rate: percent(lost, at_start),
        movements,
        arpu,
        trailing_monthly_churn_rate: monthly_churn.map(|rate| (rate * Decimal::ONE_HUNDRED).round_dp(2).normalize()),
        ltv,
    }
}
