//! Reading rollups back: a window's sum, per dimension value, and running totals (MRR, buyers) as of a day —
//! each one query per grain, whatever the number of orders behind them.

use crate::{AnalyticsEnv, Window};
use chrono::{Datelike, Duration, NaiveDate};
use proxy_core::domain::{Dimension, Grain, Rollup, day_bucket, month_bucket};
use proxy_core::error::PortError;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Measures summed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sums(pub BTreeMap<String, Decimal>);

impl Sums {
    pub fn get(&self, measure: &str) -> Decimal {
        self.0.get(measure).copied().unwrap_or_default()
    }

    pub fn count(&self, measure: &str) -> u64 {
        self.get(measure).try_into().unwrap_or(0)
    }

    pub fn add(&mut self, rollup: &Rollup) {
        self.merge(&Sums(rollup.measures.clone()));
    }

    pub fn merge(&mut self, other: &Sums) {
        for (measure, value) in &other.0 {
            *self.0.entry(measure.clone()).or_default() += *value;
        }
    }
}

pub fn sum<'a>(rollups: impl IntoIterator<Item = &'a Rollup>) -> Sums {
    let mut sums = Sums::default();
    for rollup in rollups {
        sums.add(rollup);
    }
    sums
}

/// The window's totals, bucket by bucket (those with anything in them): one query.
pub async fn series(ctx: &impl AnalyticsEnv, window: &Window) -> Result<Vec<Rollup>, PortError> {
    let (from, to) = window.buckets();
    ctx.stores().analytics.rollups(window.grain, Dimension::Total, &from, &to).await
}

/// The window's total: one query.
pub async fn total(ctx: &impl AnalyticsEnv, window: &Window) -> Result<Sums, PortError> {
    let (from, to) = window.buckets();
    Ok(sum(&ctx.stores().analytics.rollups(window.grain, Dimension::Total, &from, &to).await?))
}

/// The window's sums per value of a dimension: one query.
pub async fn by_value(
    ctx: &impl AnalyticsEnv,
    dimension: Dimension,
    window: &Window,
) -> Result<BTreeMap<String, Sums>, PortError> {
    let (from, to) = window.buckets();
    let mut out: BTreeMap<String, Sums> = BTreeMap::new();
    for rollup in ctx.stores().analytics.rollups(window.grain, dimension, &from, &to).await? {
        out.entry(rollup.value.clone()).or_default().add(&rollup);
    }
    Ok(out)
}

/// A running total's history: every month before `since`'s month, then every day from that month's first to
/// `until` — two queries, however long the history. `as_of(day)` sums what happened up to the end of `day`.
pub struct History {
    months: Sums,
    days: BTreeMap<NaiveDate, Sums>,
}

impl History {
    pub async fn read(
        ctx: &impl AnalyticsEnv,
        dimension: Dimension,
        since: NaiveDate,
        until: NaiveDate,
    ) -> Result<History, PortError> {
        let month_start = since.with_day(1).unwrap_or(since);
        let before = month_start - Duration::days(1);
        let analytics = &ctx.stores().analytics;
        let (months, days) = futures_util::future::join(
            analytics.rollups(Grain::Month, dimension, "0000-00", &month_bucket(before)),
            analytics.rollups(Grain::Day, dimension, &day_bucket(month_start), &day_bucket(until)),
        )
        .await;
        let mut by_day: BTreeMap<NaiveDate, Sums> = BTreeMap::new();
        for rollup in days? {
            if let Ok(day) = rollup.bucket.parse::<NaiveDate>() {
                by_day.entry(day).or_default().add(&rollup);
            }
        }
        Ok(History { months: sum(&months?), days: by_day })
    }

    /// What happened up to the end of `day` (a day from `since`'s month on).
    pub fn as_of(&self, day: NaiveDate) -> Sums {
        let mut sums = self.months.clone();
        for (_, daily) in self.days.range(..=day) {
            for (measure, value) in &daily.0 {
                *sums.0.entry(measure.clone()).or_default() += *value;
            }
        }
        sums
    }

    /// What happened on the days [from, to].
    pub fn between(&self, from: NaiveDate, to: NaiveDate) -> Sums {
        let mut sums = Sums::default();
        for (_, daily) in self.days.range(from..=to) {
            for (measure, value) in &daily.0 {
                *sums.0.entry(measure.clone()).or_default() += *value;
            }
        }
        sums
    }
}

/// `(current - previous) / previous` in percent, to one decimal; None when there is nothing to compare with.
pub fn change_percent(current: Decimal, previous: Decimal) -> Option<Decimal> {
    if previous.is_zero() {
        return None;
    }
    Some(((current - previous) / previous * Decimal::ONE_HUNDRED).round_dp(1).normalize())
}

/// `part / whole` in percent, to two decimals; None when the whole is zero.
pub fn percent(part: Decimal, whole: Decimal) -> Option<Decimal> {
    if whole.is_zero() {
        return None;
    }
    Some((part / whole * Decimal::ONE_HUNDRED).round_dp(2).normalize())
}
