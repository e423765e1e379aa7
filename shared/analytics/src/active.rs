//! Keeping the distinct-customer counters cheap to read: a day's or a month's HyperLogLog is written one
//! register attribute at a time (each raise a conditional update, so facts never overwrite one another), which
//! at a million orders is 512 attributes per item; once the day or month is over, its registers are folded into
//! one attribute, and a window of 30 days reads 60 short items whatever the volume.

use crate::AnalyticsEnv;
use chrono::{Datelike, Duration, NaiveDate};
use proxy_core::domain::{Grain, day_bucket, month_bucket};
use proxy_core::error::PortError;

/// Closed days the hourly run folds again (a day's late facts keep arriving for a while, and a missed run is
/// made up by the next).
pub const DAYS_BACK: i64 = 2;

/// Folds the last `DAYS_BACK` closed days and the last closed month; the buckets it folded (one with nothing
/// loose is left as it is).
pub async fn pack_closed(ctx: &impl AnalyticsEnv, today: NaiveDate) -> Result<Vec<String>, PortError> {
    let mut buckets: Vec<(Grain, String)> =
        (1..=DAYS_BACK).map(|back| (Grain::Day, day_bucket(today - Duration::days(back)))).collect();
    let first = today.with_day(1).unwrap_or(today);
    buckets.push((Grain::Month, month_bucket(first - Duration::days(1))));
    pack(ctx, buckets).await
}

/// Folds every closed day and month of [from, to] (a backfill's range: its late facts raised loose registers).
pub async fn pack_range(
    ctx: &impl AnalyticsEnv,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
) -> Result<Vec<String>, PortError> {
    let mut buckets = Vec::new();
    let mut months = std::collections::BTreeSet::new();
    let mut day = from;
    while day <= to.min(today - Duration::days(1)) {
        buckets.push((Grain::Day, day_bucket(day)));
        if (day.year(), day.month()) < (today.year(), today.month()) {
            months.insert(month_bucket(day));
        }
        day += Duration::days(1);
    }
    buckets.extend(months.into_iter().map(|month| (Grain::Month, month)));
    pack(ctx, buckets).await
}

async fn pack(ctx: &impl AnalyticsEnv, buckets: Vec<(Grain, String)>) -> Result<Vec<String>, PortError> {
    let mut packed = Vec::new();
    for (grain, bucket) in buckets {
        if ctx.stores().analytics.pack_active(grain, &bucket).await? {
            packed.push(bucket);
        }
    }
    Ok(packed)
}
