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
        self.add_measures(&rollup.measures);
    }

    pub fn merge(&mut self, other: &Sums) {
        self.add_measures(&other.0);
    }

    fn add_measures(&mut self, measures: &BTreeMap<String, Decimal>) {
        for (measure, value) in measures {
            *self.0.entry(measure.clone()).or_default() += *value;
        }
    }
}

/// Rollups summed per value of their dimension.
pub fn per_value<'a>(rollups: impl IntoIterator<Item = &'a Rollup>) -> BTreeMap<String, Sums> {
    let mut out: BTreeMap<String, Sums> = BTreeMap::new();
    for rollup in rollups {
        out.entry(rollup.value.clone()).or_default().add(rollup);
    }
    out
}

pub fn sum<'a>(rollups: impl IntoIterator<Item = &'a Rollup>) -> Sums {
    let mut sums = Sums::default();
    for rollup in rollups {
        sums.add(rollup);
    }
    sums
}

/// The buckets a window is read from: its hours (`today`); or its whole calendar months from the month items and
/// the days before and after them from the day items — a year is 12 months and a few dozen days per value, not
/// 365 days, whatever the number of orders behind them.
pub fn spans(window: &Window) -> Vec<(Grain, String, String)> {
    if window.grain != Grain::Day {
        let (from, to) = window.buckets();
        return vec![(window.grain, from, to)];
    }
    let (first, last) = (window.first_day(), window.last_day());
    let month_start = |day: NaiveDate| day.with_day(1).unwrap_or(day);
    let first_month = if first.day() == 1 { first } else { month_start(first) + chrono::Months::new(1) };
    let next_month = month_start(last) + chrono::Months::new(1);
    let last_month_end =
        if last + Duration::days(1) == next_month { last } else { month_start(last) - Duration::days(1) };
    if first_month > last_month_end {
        return vec![(Grain::Day, day_bucket(first), day_bucket(last))];
    }
    let mut spans = Vec::new();
    if first < first_month {
        spans.push((Grain::Day, day_bucket(first), day_bucket(first_month - Duration::days(1))));
    }
    spans.push((Grain::Month, month_bucket(first_month), month_bucket(last_month_end)));
    if last > last_month_end {
        spans.push((Grain::Day, day_bucket(last_month_end + Duration::days(1)), day_bucket(last)));
    }
    spans
}

/// A dimension's rollups over a window, read by its spans (a query each, concurrently).
pub async fn rollups(ctx: &impl AnalyticsEnv, dimension: Dimension, window: &Window) -> Result<Vec<Rollup>, PortError> {
    let spans = spans(window);
    let reads = spans.iter().map(|(grain, from, to)| ctx.stores().analytics.rollups(*grain, dimension, from, to));
    let mut out = Vec::new();
    for rollups in futures_util::future::join_all(reads).await {
        out.extend(rollups?);
    }
    Ok(out)
}

/// The window's totals, bucket by bucket (those with anything in them): one query.
pub async fn series(ctx: &impl AnalyticsEnv, window: &Window) -> Result<Vec<Rollup>, PortError> {
    let (from, to) = window.buckets();
    ctx.stores().analytics.rollups(window.grain, Dimension::Total, &from, &to).await
}

/// The window's total (a query per span).
pub async fn total(ctx: &impl AnalyticsEnv, window: &Window) -> Result<Sums, PortError> {
    Ok(sum(&rollups(ctx, Dimension::Total, window).await?))
}

/// The window's sums per value of a dimension (a query per span).
pub async fn by_value(
    ctx: &impl AnalyticsEnv,
    dimension: Dimension,
    window: &Window,
) -> Result<BTreeMap<String, Sums>, PortError> {
    Ok(per_value(&rollups(ctx, dimension, window).await?))
}

/// The window's distinct active customers, from the day and month HyperLogLogs of its spans (an hourly window
/// counts its days'): a query per span.
pub async fn active_registers(ctx: &impl AnalyticsEnv, window: &Window) -> Result<Vec<u8>, PortError> {
    let by_day = Window { grain: Grain::Day, ..*window };
    let spans = spans(&by_day);
    let reads = spans.iter().map(|(grain, from, to)| ctx.stores().analytics.active_registers(*grain, from, to));
    let mut merged = vec![0u8; store::ACTIVE_REGISTERS as usize];
    for registers in futures_util::future::join_all(reads).await {
        for (m, r) in merged.iter_mut().zip(registers?) {
            *m = (*m).max(r);
        }
    }
    Ok(merged)
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
        for daily in self.days.range(..=day).map(|(_, daily)| daily) {
            sums.merge(daily);
        }
        sums
    }

    /// What happened on the days [from, to].
    pub fn between(&self, from: NaiveDate, to: NaiveDate) -> Sums {
        let mut sums = Sums::default();
        for daily in self.days.range(from..=to).map(|(_, daily)| daily) {
            sums.merge(daily);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn window(first: &str, last: &str) -> Window {
        let day = |s: &str| s.parse::<NaiveDate>().unwrap().and_hms_opt(0, 0, 0).unwrap().and_utc();
        Window { from: day(first), to: day(last) + Duration::days(1), grain: Grain::Day }
    }

    fn spans_of(first: &str, last: &str) -> Vec<(Grain, String, String)> {
        spans(&window(first, last))
    }

    #[test]
    fn whole_months_are_read_from_months_and_the_days_around_them_from_days() {
        let span = |g, a: &str, b: &str| (g, a.to_owned(), b.to_owned());
        assert_eq!(
            spans_of("2025-12-01", "2026-11-30"),
            [span(Grain::Month, "2025-12", "2026-11")],
            "a year of whole months"
        );
        assert_eq!(
            spans_of("2025-12-01", "2026-11-29"),
            [span(Grain::Month, "2025-12", "2026-10"), span(Grain::Day, "2026-11-01", "2026-11-29")]
        );
        assert_eq!(
            spans_of("2025-11-30", "2026-11-29"),
            [
                span(Grain::Day, "2025-11-30", "2025-11-30"),
                span(Grain::Month, "2025-12", "2026-10"),
                span(Grain::Day, "2026-11-01", "2026-11-29")
            ]
        );
        assert_eq!(spans_of("2026-10-31", "2026-11-29"), [span(Grain::Day, "2026-10-31", "2026-11-29")]);
        assert_eq!(spans_of("2026-02-01", "2026-02-28"), [span(Grain::Month, "2026-02", "2026-02")]);
        let today = Window { grain: Grain::Hour, ..window("2026-11-30", "2026-11-30") };
        assert_eq!(spans(&today), [span(Grain::Hour, "2026-11-30T00", "2026-11-30T23")]);
    }
}
