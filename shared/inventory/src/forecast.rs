//! Capacity forecast: from the clients sold per day over the last weeks, forecast the next days' sales with an
//! exponential-smoothing model (augurs' AutoETS picks the trend — none, additive or damped — by AICc, the way
//! statsforecast does) with prediction intervals, and find the day the free slots run out.
//!
//! The original fitted a straight line per server. ETS follows a changed trend faster and says how unsure it
//! is. The run-out day counts sales only: slots freed by clients expiring come on top, so it is a cautious
//! date. `runs_out_earliest` uses the upper bound of every day (the sum of per-day bounds is wider than the
//! bound of the sum: cautious again). A backtest refits on the history without its last days and reports how
//! far its forecast of those days was from what was sold.

use super::CapacityTable;
use super::InventoryEnv;
use augurs::ets::AutoETS;
use augurs::{Fit, Predict};
use chrono::{DateTime, NaiveDate, Utc};
use proxy_core::domain::{
    Backtest, DayForecast, Expected, InventoryForecast, LocationForecast, NoForecast, SalesForecast, ServerForecast,
    ServerId, ServerStatus,
};
use proxy_core::error::PortError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastSettings {
    /// Complete days of sales the model learns from.
    pub history_days: u32,
    pub horizon_days: u32,
    /// Prediction interval level, in (0, 1).
    pub level: f64,
    /// Days the backtest holds out.
    pub holdout_days: u32,
}

impl Default for ForecastSettings {
    fn default() -> Self {
        ForecastSettings { history_days: 56, horizon_days: 30, level: 0.95, holdout_days: 7 }
    }
}

fn fit_and_predict(history: &[f64], horizon: usize, level: f64) -> Result<(String, augurs::Forecast), NoForecast> {
    let failed = |e: augurs::ets::Error| NoForecast::ModelFailed { message: e.to_string() };
    let search = AutoETS::non_seasonal();
    let fitted = search.fit(history).map_err(failed)?;
    let model = fitted.model();
    let name = format!("{}{}", model.model_type(), if model.damped() { " damped" } else { "" });
    let forecast = fitted.predict(horizon, level).map_err(failed)?;
    Ok((name, forecast))
}

/// Clients to two decimals: the model's further digits are noise to a reader.
fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// Two weeks: fewer days say too little about a trend (and the model needs a few points per parameter).
pub const MIN_HISTORY_DAYS: usize = 14;

/// How much a forecast keeps: locations keep the days and a backtest, servers (a thousand of them, stored
/// together) only the totals and run-out days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    Full,
    Summary,
}

/// The forecast of a daily series of clients sold (`history`, oldest first, ending yesterday), with `free`
/// slots left `today`.
pub fn forecast_sales(
    history: &[u64],
    today: NaiveDate,
    free: u64,
    settings: &ForecastSettings,
    detail: Detail,
) -> Result<SalesForecast, NoForecast> {
    let sold_in_history: u64 = history.iter().sum();
    if sold_in_history == 0 {
        return Err(NoForecast::NoSales);
    }
    if history.len() < MIN_HISTORY_DAYS {
        return Err(NoForecast::ShortHistory { days: history.len() });
    }
    let values: Vec<f64> = history.iter().map(|&v| v as f64).collect();
    let horizon = settings.horizon_days as usize;
    let (model, forecast) = fit_and_predict(&values, horizon, settings.level)?;
    let clients = |values: &[f64]| -> Vec<f64> { values.iter().map(|v| v.max(0.0)).collect() };
    let point = clients(&forecast.point);
    let (lower, upper) = match &forecast.intervals {
        Some(i) => (clients(&i.lower), clients(&i.upper)),
        None => (point.clone(), point.clone()),
    };
    let day = |i: usize| today + chrono::Days::new(i as u64);
    let runs_out = |daily: &[f64]| {
        if free == 0 {
            return Some(today);
        }
        let mut sold = 0.0;
        daily
            .iter()
            .position(|v| {
                sold += v;
                sold >= free as f64
            })
            .map(day)
    };
    let daily = if detail == Detail::Full {
        (0..horizon)
            .map(|i| DayForecast {
                date: day(i),
                clients: Expected { expected: point[i], lower: lower[i], upper: upper[i] },
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(SalesForecast {
        model,
        sold_in_history,
        sold_last_7_days: history.iter().rev().take(7).sum(),
        horizon_total: Expected { expected: point.iter().sum(), lower: lower.iter().sum(), upper: upper.iter().sum() },
        daily,
        free_slots: free,
        runs_out_on: runs_out(&point),
        runs_out_earliest: runs_out(&upper),
        backtest: match detail {
            Detail::Full => backtest(history, settings.holdout_days as usize, settings.level),
            Detail::Summary => None,
        },
    })
}

/// Refit without the last `holdout` days and compare the forecast of those days with what was sold. None when
/// the shorter history cannot be fitted.
pub fn backtest(history: &[u64], holdout: usize, level: f64) -> Option<Backtest> {
    if holdout == 0 || history.len() <= holdout {
        return None;
    }
    let (train, test) = history.split_at(history.len() - holdout);
    let values: Vec<f64> = train.iter().map(|&v| v as f64).collect();
    let (_, forecast) = fit_and_predict(&values, holdout, level).ok()?;
    let predicted: Vec<f64> = forecast.point.iter().map(|v| v.max(0.0)).collect();
    let error: f64 = predicted.iter().zip(test).map(|(p, &a)| (p - a as f64).abs()).sum::<f64>() / holdout as f64;
    Some(Backtest {
        holdout_days: holdout as u32,
        mean_absolute_error: round2(error),
        forecast_total: round2(predicted.iter().sum()),
        sold_total: test.iter().sum(),
    })
}

/// The history window ending yesterday.
pub fn history_window(today: NaiveDate, settings: &ForecastSettings) -> (NaiveDate, NaiveDate) {
    (today - chrono::Days::new(u64::from(settings.history_days.max(1))), today - chrono::Days::new(1))
}

/// Forecasts every location (all its servers' sales; its `up` servers' free slots) and every `up` server
/// from the clients sold per day.
pub fn build_forecast(
    table: &CapacityTable,
    sold_per_day: &BTreeMap<NaiveDate, BTreeMap<ServerId, u64>>,
    now: DateTime<Utc>,
    settings: &ForecastSettings,
) -> InventoryForecast {
    let today = now.date_naive();
    let (from, to) = history_window(today, settings);
    // The history starts where recording started, if that is later: days before it are unknown, not zero.
    let first_recorded = sold_per_day.keys().next().copied().unwrap_or(to);
    let days: Vec<NaiveDate> = from.max(first_recorded).iter_days().take_while(|d| *d <= to).collect();
    let series = |servers: &[&ServerId]| -> Vec<u64> {
        days.iter()
            .map(|day| sold_per_day.get(day).map(|sold| servers.iter().filter_map(|s| sold.get(*s)).sum()).unwrap_or(0))
            .collect()
    };
    let locations = table
        .groups
        .iter()
        .filter(|g| g.protocol.is_none())
        .map(|group| {
            let servers: Vec<&ServerId> =
                table.servers.iter().filter(|s| s.location == group.location).map(|s| &s.server_id).collect();
            LocationForecast {
                location: group.location.clone(),
                outcome: forecast_sales(&series(&servers), today, group.slots.free, settings, Detail::Full).into(),
            }
        })
        .collect();
    let servers = table
        .servers
        .iter()
        .filter(|s| s.status == ServerStatus::Up)
        .map(|server| ServerForecast {
            server_id: server.server_id.clone(),
            location: server.location.clone(),
            outcome: forecast_sales(&series(&[&server.server_id]), today, server.slots.free, settings, Detail::Summary)
                .into(),
        })
        .collect();
    InventoryForecast {
        computed_at: now,
        history_from: days.first().copied().unwrap_or(from),
        history_to: to,
        horizon_days: settings.horizon_days,
        level: settings.level,
        locations,
        servers,
    }
}

/// The forecast from the store's daily sales: one query over one item per day, whatever the number of servers.
pub async fn forecast(
    ctx: &impl InventoryEnv,
    table: &CapacityTable,
    settings: &ForecastSettings,
) -> Result<InventoryForecast, PortError> {
    let now = ctx.clock().now();
    let (from, to) = history_window(now.date_naive(), settings);
    let sold = ctx.stores().stats.clients_sold_per_day(from, to).await?;
    Ok(build_forecast(table, &sold, now, settings))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    }

    /// 56 days of a known trend, 10 + 0.5 clients a day more each day, with a repeating wobble of up to 2.
    fn trend() -> Vec<u64> {
        let wobble = [0i64, 2, -1, 1, -2, 1, -1];
        (0..56i64).map(|t| (10 + t / 2 + wobble[t as usize % 7]) as u64).collect()
    }

    #[test]
    fn a_known_trend_is_followed_and_its_backtest_error_is_within_the_wobble() {
        let forecast = forecast_sales(&trend(), today(), 10_000, &ForecastSettings::default(), Detail::Full).unwrap();
        // The trend says 10 + 85 / 2 = 52 on the 30th day ahead (t = 85).
        let last = forecast.daily.last().unwrap();
        assert_eq!(last.date, today() + chrono::Days::new(29));
        assert!((last.clients.expected - 52.0).abs() < 2.0, "{last:?}");
        assert!(last.clients.lower < last.clients.expected && last.clients.expected < last.clients.upper);
        assert!(last.clients.lower > 40.0 && last.clients.upper < 64.0, "a tight interval on a clean trend: {last:?}");
        let backtest = forecast.backtest.unwrap();
        assert_eq!((backtest.holdout_days, backtest.sold_total), (7, trend()[49..].iter().sum::<u64>()));
        // The measured error: 1.38 clients a day against a wobble of up to 2 around the trend.
        assert!(backtest.mean_absolute_error < 2.0, "{backtest:?}");
        let total_error = (backtest.forecast_total - backtest.sold_total as f64).abs() / backtest.sold_total as f64;
        assert!(total_error < 0.02, "the week's total within 2 %: {backtest:?}");
        assert_eq!(forecast.sold_last_7_days, backtest.sold_total);
    }

    #[test]
    fn the_backtest_error_is_the_mean_distance_to_what_was_sold() {
        // Flat at 5 a day, then 7 held-out days at 8: a flat model forecasts 5, so it is 3 off each day.
        let mut history = vec![5u64; 49];
        history.extend([8; 7]);
        let backtest = backtest(&history, 7, 0.95).unwrap();
        assert!((backtest.mean_absolute_error - 3.0).abs() < 0.01, "{backtest:?}");
        assert!((backtest.forecast_total - 35.0).abs() < 0.1);
        assert_eq!(backtest.sold_total, 56);
    }

    #[test]
    fn the_free_slots_run_out_on_the_day_the_sales_reach_them() {
        let flat = vec![10u64; 56];
        let settings = ForecastSettings::default();
        let forecast = forecast_sales(&flat, today(), 95, &settings, Detail::Summary).unwrap();
        // 10 a day: 90 sold after 9 days, 100 on the 10th (today + 9).
        assert_eq!(forecast.runs_out_on, Some(today() + chrono::Days::new(9)));
        assert!(forecast.runs_out_earliest <= forecast.runs_out_on);
        assert!(forecast.daily.is_empty() && forecast.backtest.is_none(), "a summary keeps totals only");
        assert!((forecast.horizon_total.expected - 300.0).abs() < 1.0);
        let full = forecast_sales(&flat, today(), 0, &settings, Detail::Summary).unwrap();
        assert_eq!(full.runs_out_on, Some(today()), "nothing free: out already");
        let roomy = forecast_sales(&flat, today(), 1_000, &settings, Detail::Summary).unwrap();
        assert_eq!(roomy.runs_out_on, None, "not within 30 days");
    }

    #[test]
    fn a_series_without_sales_has_no_forecast_rather_than_a_made_up_one() {
        let quiet = vec![0u64; 56];
        assert_eq!(
            forecast_sales(&quiet, today(), 10, &ForecastSettings::default(), Detail::Full),
            Err(NoForecast::NoSales)
        );
        let short = [1u64; 13];
        assert_eq!(
            forecast_sales(&short, today(), 10, &ForecastSettings::default(), Detail::Full),
            Err(NoForecast::ShortHistory { days: 13 })
        );
    }

    #[test]
    fn the_history_starts_where_recording_started_and_each_series_says_why_it_has_no_forecast() {
        use crate::capacity::tests::server;
        use crate::{CapacityBands, capacity_table};
        use chrono::TimeZone;
        let selling = server("Oslo", ServerStatus::Up, 100, 10, 0);
        let quiet = server("Oslo", ServerStatus::Up, 100, 0, 0);
        let paused = server("Oslo", ServerStatus::Paused, 100, 0, 0);
        let table = capacity_table(&[selling.clone(), quiet.clone(), paused], &[], &CapacityBands::default());
        let now = chrono::Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
        // Recording started 20 days ago (a deployment): 3 a day since.
        let sold: BTreeMap<NaiveDate, BTreeMap<ServerId, u64>> =
            (1..=20).map(|d| (today() - chrono::Days::new(d), BTreeMap::from([(selling.id.clone(), 3)]))).collect();
        let forecast = build_forecast(&table, &sold, now, &ForecastSettings::default());
        assert_eq!(forecast.history_from, today() - chrono::Days::new(20), "not 56 days of made-up zeros");
        assert_eq!(forecast.history_to, today() - chrono::Days::new(1));
        let oslo = forecast.locations[0].outcome.forecast.as_ref().unwrap();
        assert_eq!((oslo.sold_in_history, oslo.free_slots), (60, 190), "all sales; the up servers' free slots");
        assert!((oslo.horizon_total.expected - 90.0).abs() < 1.0, "3 a day for 30 days: {oslo:?}");
        assert_eq!(forecast.servers.len(), 2, "up servers only");
        let of = |id: &ServerId| forecast.servers.iter().find(|s| &s.server_id == id).unwrap();
        assert!(of(&selling.id).outcome.forecast.is_some());
        assert_eq!(of(&quiet.id).outcome.no_forecast, Some(NoForecast::NoSales));
        let empty = build_forecast(&table, &BTreeMap::new(), now, &ForecastSettings::default());
        assert_eq!(empty.locations[0].outcome.no_forecast, Some(NoForecast::NoSales), "nothing recorded yet");
    }
}
