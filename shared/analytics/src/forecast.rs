//! `forecast(metric, granularity)`: revenue, orders, new customers and sold capacity, daily or weekly, with 80 %
//! and 95 % prediction intervals, the horizon asked (bounded), and how far the model was off on the last
//! window of history it was not shown (a backtest). A series too short to learn from says so instead.
//!
//! The original drew a straight line through daily revenue. Here a daily series with at least four weeks is
//! decomposed by MSTL (its weekly rhythm taken out) and its trend forecast by exponential smoothing (augurs'
//! AutoETS picks none, additive or damped trend by AICc); a weekly series, or a shorter daily one, is
//! forecast by AutoETS alone. Negative values (a model's extrapolation of a falling trend) are clipped at 0.

use crate::facts::measure::{CLIENTS, GROSS, ORDERS, REFUNDS};
use crate::ledger::measure::NEW_CUSTOMERS;
use crate::{AnalyticsEnv, read};
use augurs::ets::AutoETS;
use augurs::mstl::MSTLModel;
use augurs::{Fit, Predict};
use chrono::{Datelike, Duration, NaiveDate};
use proxy_core::domain::{Dimension, Grain, day_bucket};
use proxy_core::error::PortError;
use serde::Serialize;
use std::collections::BTreeMap;

/// How much history the model learns from (the daily rollups are kept for good; a year is enough to see a
/// trend and keeps the fit fast).
pub const HISTORY_DAYS: i64 = 365;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    Revenue,
    Orders,
    NewCustomers,
    SoldCapacity,
}

impl Metric {
    pub const ALL: [Metric; 4] = [Metric::Revenue, Metric::Orders, Metric::NewCustomers, Metric::SoldCapacity];

    /// The metric's value in a day's totals.
    fn of(self, day: &read::Sums) -> f64 {
        let value = match self {
            Metric::Revenue => day.get(GROSS) - day.get(REFUNDS),
            Metric::Orders => day.get(ORDERS),
            Metric::NewCustomers => day.get(NEW_CUSTOMERS),
            Metric::SoldCapacity => day.get(CLIENTS),
        };
        value.try_into().unwrap_or(0.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    Daily,
    Weekly,
}

impl Granularity {
    pub fn parse(text: &str) -> Option<Granularity> {
        match text {
            "daily" => Some(Granularity::Daily),
            "weekly" => Some(Granularity::Weekly),
            _ => None,
        }
    }

    /// The horizon when none is asked, and the longest one allowed (past it the intervals say nothing).
    pub fn default_horizon(self) -> usize {
        match self {
            Granularity::Daily => 30,
            Granularity::Weekly => 12,
        }
    }

    pub fn max_horizon(self) -> usize {
        match self {
            Granularity::Daily => 90,
            Granularity::Weekly => 26,
        }
    }

    /// The fewest points a forecast is made from.
    pub fn min_history(self) -> usize {
        match self {
            Granularity::Daily => 14,
            Granularity::Weekly => 8,
        }
    }

    /// The points the backtest holds out.
    fn holdout(self) -> usize {
        match self {
            Granularity::Daily => 7,
            Granularity::Weekly => 2,
        }
    }

    fn unit(self) -> &'static str {
        match self {
            Granularity::Daily => "days",
            Granularity::Weekly => "weeks",
        }
    }
}

/// A daily series with at least this many points is forecast with its weekly rhythm (MSTL needs a few cycles).
const SEASONAL_FROM_DAYS: usize = 28;
const WEEK: usize = 7;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Forecasts {
    pub granularity: Granularity,
    pub horizon: usize,
    /// The history learnt from: its first and last period (the last complete day or ISO week).
    pub history_from: Option<NaiveDate>,
    pub history_to: NaiveDate,
    pub series: Vec<MetricForecast>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricForecast {
    pub metric: Metric,
    #[serde(flatten)]
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    Forecast(Forecast),
    NotEnoughHistory { points: usize, needed: usize, message: String },
    ModelFailed { message: String },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Forecast {
    /// The model, e.g. `MSTL(7) + AutoETS` or `AutoETS`.
    pub model: String,
    /// The history the model learnt from, oldest first (for charts).
    pub history: Vec<Point>,
    pub points: Vec<ForecastPoint>,
    pub backtest: Option<Backtest>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Point {
    /// The day, or the Monday of the ISO week.
    pub period: NaiveDate,
    pub value: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ForecastPoint {
    pub period: NaiveDate,
    pub expected: f64,
    pub lower_80: f64,
    pub upper_80: f64,
    pub lower_95: f64,
    pub upper_95: f64,
}

/// The model refitted without the last `holdout` points, its forecast of them against what happened.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Backtest {
    pub holdout: usize,
    pub mean_absolute_error: f64,
    /// Over the held-out points that were not zero; None when all were.
    pub mean_absolute_percentage_error: Option<f64>,
    pub actual_total: f64,
    pub forecast_total: f64,
    /// How many of the held-out points fell inside the 95 % interval.
    pub within_95: usize,
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// How long a day's forecasts are kept: their history is complete days, so only a late fact changes them.
const CACHED_FOR: std::time::Duration = std::time::Duration::from_secs(3600);

/// `forecasts`, kept in the analytics cache for the day (fitting four models and their backtests takes tens of
/// milliseconds, the same at any volume; reading them back, one cache round trip).
pub async fn cached_forecasts(
    ctx: &(impl AnalyticsEnv + cache::HasTieredCache),
    granularity: Granularity,
    horizon: usize,
) -> Result<serde_json::Value, PortError> {
    let today = ctx.clock().now().date_naive();
    let key = format!("forecasts:{granularity:?}:{horizon}:{today}").to_lowercase();
    let view = cache::views::View::analytics_data(key).ttl(CACHED_FOR);
    ctx.tiered_cache().get_or_load_json(&view, || forecasts(ctx, granularity, horizon)).await
}

/// Every metric's forecast from one read of the daily totals (the last `HISTORY_DAYS` complete days).
pub async fn forecasts(
    ctx: &impl AnalyticsEnv,
    granularity: Granularity,
    horizon: usize,
) -> Result<Forecasts, PortError> {
    let today = ctx.clock().now().date_naive();
    let last_day = today - Duration::days(1);
    let first_day = last_day - Duration::days(HISTORY_DAYS - 1);
    let days = ctx
        .stores()
        .analytics
        .rollups(Grain::Day, Dimension::Total, &day_bucket(first_day), &day_bucket(last_day))
        .await?;
    let by_day: BTreeMap<NaiveDate, read::Sums> =
        days.iter().filter_map(|r| Some((r.bucket.parse().ok()?, read::sum([r])))).collect();
    Ok(forecasts_from(&by_day, last_day, granularity, horizon))
}

/// The forecasts of the days' totals up to `last_day` (included).
pub fn forecasts_from(
    by_day: &BTreeMap<NaiveDate, read::Sums>,
    last_day: NaiveDate,
    granularity: Granularity,
    horizon: usize,
) -> Forecasts {
    let horizon = horizon.clamp(1, granularity.max_horizon());
    // The history starts on the first day anything was recorded: earlier zeros are "not yet", not "none".
    let start = by_day.iter().find(|(_, sums)| Metric::ALL.iter().any(|m| m.of(sums) != 0.0)).map(|(day, _)| *day);
    let (periods, history_to) = match granularity {
        Granularity::Daily => {
            let days: Vec<NaiveDate> =
                start.map_or_else(Vec::new, |s| s.iter_days().take_while(|d| *d <= last_day).collect());
            (days, last_day)
        }
        Granularity::Weekly => {
            // Complete ISO weeks only: the last one ends on the last Sunday up to `last_day`.
            let last_sunday = last_day - Duration::days(i64::from(last_day.weekday().num_days_from_sunday()));
            let weeks: Vec<NaiveDate> = start
                .map(|s| s - Duration::days(i64::from(s.weekday().num_days_from_monday())))
                .map_or_else(Vec::new, |first| {
                    (0..)
                        .map(|w| first + Duration::weeks(w))
                        .take_while(|monday| *monday + Duration::days(6) <= last_sunday)
                        .collect()
                });
            (weeks, last_sunday)
        }
    };
    let series = Metric::ALL
        .iter()
        .map(|metric| {
            let values: Vec<f64> = periods
                .iter()
                .map(|period| match granularity {
                    Granularity::Daily => by_day.get(period).map_or(0.0, |d| metric.of(d)),
                    Granularity::Weekly => {
                        (0..7).map(|i| by_day.get(&(*period + Duration::days(i))).map_or(0.0, |d| metric.of(d))).sum()
                    }
                })
                .collect();
            MetricForecast { metric: *metric, outcome: forecast_series(&periods, &values, granularity, horizon) }
        })
        .collect();
    Forecasts { granularity, horizon, history_from: periods.first().copied(), history_to, series }
}

/// One series' forecast (`periods` the dates of `values`).
pub fn forecast_series(periods: &[NaiveDate], values: &[f64], granularity: Granularity, horizon: usize) -> Outcome {
    let needed = granularity.min_history();
    if values.len() < needed {
        return Outcome::NotEnoughHistory {
            points: values.len(),
            needed,
            message: format!("not enough history: {} {} recorded, {needed} needed", values.len(), granularity.unit()),
        };
    }
    let step = match granularity {
        Granularity::Daily => Duration::days(1),
        Granularity::Weekly => Duration::weeks(1),
    };
    let (model, points) = match predict(values, granularity, horizon) {
        Ok(fitted) => fitted,
        Err(message) => return Outcome::ModelFailed { message },
    };
    let last = periods.last().copied().unwrap_or_default();
    let points = points
        .into_iter()
        .enumerate()
        .map(|(i, mut point)| {
            point.period = last + step * (i as i32 + 1);
            point
        })
        .collect();
    Outcome::Forecast(Forecast {
        model,
        history: periods
            .iter()
            .zip(values)
            .map(|(period, value)| Point { period: *period, value: round2(*value) })
            .collect(),
        points,
        backtest: backtest(values, granularity),
    })
}

/// The model's forecast of the next `horizon` points with both intervals (dates filled by the caller).
fn predict(values: &[f64], granularity: Granularity, horizon: usize) -> Result<(String, Vec<ForecastPoint>), String> {
    let seasonal = granularity == Granularity::Daily && values.len() >= SEASONAL_FROM_DAYS;
    let (model, at_80, at_95) = if seasonal {
        let fitted = MSTLModel::new(vec![WEEK], AutoETS::non_seasonal().into_trend_model())
            .fit(values)
            .map_err(|e| e.to_string())?;
        let at_80 = fitted.predict(horizon, 0.80).map_err(|e| e.to_string())?;
        let at_95 = fitted.predict(horizon, 0.95).map_err(|e| e.to_string())?;
        ("MSTL(7) + AutoETS".to_owned(), at_80, at_95)
    } else {
        let fitted = AutoETS::non_seasonal().fit(values).map_err(|e| e.to_string())?;
        let at_80 = fitted.predict(horizon, 0.80).map_err(|e| e.to_string())?;
        let at_95 = fitted.predict(horizon, 0.95).map_err(|e| e.to_string())?;
        let model = fitted.model();
        (format!("AutoETS {}{}", model.model_type(), if model.damped() { " damped" } else { "" }), at_80, at_95)
    };
    let clip = |v: f64| if v.is_finite() { round2(v.max(0.0)) } else { 0.0 };
    let bounds = |forecast: &augurs::Forecast, i: usize| match &forecast.intervals {
        Some(intervals) => (clip(intervals.lower[i]), clip(intervals.upper[i])),
        None => (clip(forecast.point[i]), clip(forecast.point[i])),
    };
    let points = (0..horizon.min(at_95.point.len()))
        .map(|i| {
            let ((lower_80, upper_80), (lower_95, upper_95)) = (bounds(&at_80, i), bounds(&at_95, i));
            ForecastPoint {
                period: NaiveDate::MIN,
                expected: clip(at_95.point[i]),
                lower_80,
                upper_80,
                lower_95,
                upper_95,
            }
        })
        .collect();
    Ok((model, points))
}

fn backtest(values: &[f64], granularity: Granularity) -> Option<Backtest> {
    let holdout = granularity.holdout();
    if values.len() < granularity.min_history() + holdout {
        return None;
    }
    let (train, test) = values.split_at(values.len() - holdout);
    let (_, predicted) = predict(train, granularity, holdout).ok()?;
    let errors: Vec<f64> = predicted.iter().zip(test).map(|(p, a)| (p.expected - a).abs()).collect();
    let percentages: Vec<f64> =
        predicted.iter().zip(test).filter(|(_, a)| **a != 0.0).map(|(p, a)| (p.expected - a).abs() / a.abs()).collect();
    Some(Backtest {
        holdout,
        mean_absolute_error: round2(errors.iter().sum::<f64>() / holdout as f64),
        mean_absolute_percentage_error: (!percentages.is_empty())
            .then(|| round2(percentages.iter().sum::<f64>() / percentages.len() as f64 * 100.0)),
        actual_total: round2(test.iter().sum()),
        forecast_total: round2(predicted.iter().map(|p| p.expected).sum()),
        within_95: predicted.iter().zip(test).filter(|(p, a)| p.lower_95 <= **a && **a <= p.upper_95).count(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// 8 weeks of a weekly rhythm (weekends double) on a rising trend.
    fn rhythm(days: usize) -> Vec<f64> {
        (0..days).map(|i| (10.0 + i as f64 * 0.5) * if i % 7 >= 5 { 2.0 } else { 1.0 }).collect()
    }

    fn periods(first: &str, n: usize) -> Vec<NaiveDate> {
        day(first).iter_days().take(n).collect()
    }

    #[test]
    fn a_weekly_rhythm_is_followed_with_nested_intervals_and_a_close_backtest() {
        let values = rhythm(56);
        let Outcome::Forecast(forecast) = forecast_series(&periods("2026-01-05", 56), &values, Granularity::Daily, 14)
        else {
            panic!("a forecast")
        };
        assert_eq!(forecast.model, "MSTL(7) + AutoETS");
        assert_eq!(forecast.points.len(), 14);
        assert_eq!(forecast.points[0].period, day("2026-03-02"));
        for p in &forecast.points {
            assert!(p.lower_95 <= p.lower_80 && p.lower_80 <= p.expected, "{p:?}");
            assert!(p.expected <= p.upper_80 && p.upper_80 <= p.upper_95, "{p:?}");
        }
        // The weekend (days 5 and 6 of the rhythm, 2026-03-07 and 08) above the week.
        assert!(forecast.points[5].expected > forecast.points[2].expected * 1.5, "{:?}", forecast.points);
        let backtest = forecast.backtest.unwrap();
        assert_eq!(backtest.holdout, 7);
        assert!(backtest.mean_absolute_percentage_error.unwrap() < 15.0, "{backtest:?}");
    }

    #[test]
    fn too_short_a_history_says_so_instead_of_inventing_a_line() {
        let outcome = forecast_series(&periods("2026-01-05", 10), &rhythm(10), Granularity::Daily, 30);
        assert_eq!(
            outcome,
            Outcome::NotEnoughHistory {
                points: 10,
                needed: 14,
                message: "not enough history: 10 days recorded, 14 needed".into()
            }
        );
    }

    #[test]
    fn weekly_series_are_complete_iso_weeks_and_the_horizon_is_bounded() {
        let mut by_day = BTreeMap::new();
        // From Wednesday 7 Jan 2026 to Wednesday 11 Mar: weeks from Monday 5 Jan to the one ending Sunday 8 Mar.
        for d in day("2026-01-07").iter_days().take_while(|d| *d <= day("2026-03-11")) {
            let mut sums = read::Sums::default();
            sums.0.insert(ORDERS.into(), rust_decimal::Decimal::from(3));
            by_day.insert(d, sums);
        }
        let forecasts = forecasts_from(&by_day, day("2026-03-11"), Granularity::Weekly, 500);
        assert_eq!(forecasts.horizon, 26);
        assert_eq!((forecasts.history_from, forecasts.history_to), (Some(day("2026-01-05")), day("2026-03-08")));
        let orders = &forecasts.series[1];
        let Outcome::Forecast(forecast) = &orders.outcome else { panic!("{orders:?}") };
        // The first week had 5 days of orders (from Wednesday): 15, then 21 a week.
        assert_eq!(forecast.history[0].value, 15.0);
        assert_eq!(forecast.history[1].value, 21.0);
        assert_eq!(forecast.points[0].period, day("2026-03-09"));
        assert!((forecast.points[0].expected - 21.0).abs() < 2.0, "{:?}", forecast.points[0]);
        let revenue = &forecasts.series[0];
        assert!(matches!(revenue.outcome, Outcome::Forecast(_)), "zeros are a flat forecast, not a failure");
    }
}
