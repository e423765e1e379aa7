//! The inventory's sales forecast as it is stored and shown: per location and per server, the clients expected
//! over the horizon with their prediction interval, the day free slots run out, a backtest, or why a series
//! has no forecast. The inventory context computes it; the store keeps it.

use super::ServerId;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Clients expected over a span, with the prediction interval (never below zero).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Expected {
    pub expected: f64,
    pub lower: f64,
    pub upper: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayForecast {
    pub date: NaiveDate,
    #[serde(flatten)]
    pub clients: Expected,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Backtest {
    pub holdout_days: u32,
    /// Mean over the held-out days of |forecast - sold|, in clients per day.
    pub mean_absolute_error: f64,
    pub forecast_total: f64,
    pub sold_total: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SalesForecast {
    /// The model chosen, in ETS notation (error, trend, season; `d` for a damped trend), e.g. `AAdN`.
    pub model: String,
    pub sold_in_history: u64,
    pub sold_last_7_days: u64,
    /// Over the whole horizon.
    pub horizon_total: Expected,
    /// Day by day (kept for locations; left empty for servers to keep the stored summary small).
    pub daily: Vec<DayForecast>,
    pub free_slots: u64,
    /// The first day expected sales reach the free slots (today when nothing is free); None: not within the
    /// horizon.
    pub runs_out_on: Option<NaiveDate>,
    /// The same, at the upper bound of every day.
    pub runs_out_earliest: Option<NaiveDate>,
    pub backtest: Option<Backtest>,
}

/// Why a series has no forecast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum NoForecast {
    #[error("no sales in the history window")]
    NoSales,
    /// Fewer days of recorded sales than the model needs (after a deployment, the history fills day by day).
    #[error("only {days} days of sales history")]
    ShortHistory { days: usize },
    #[error("the model could not be fitted: {message}")]
    ModelFailed { message: String },
}

/// A location's or a server's forecast, or why it has none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesOutcome {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forecast: Option<SalesForecast>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_forecast: Option<NoForecast>,
}

impl From<Result<SalesForecast, NoForecast>> for SeriesOutcome {
    fn from(result: Result<SalesForecast, NoForecast>) -> Self {
        match result {
            Ok(forecast) => SeriesOutcome { forecast: Some(forecast), no_forecast: None },
            Err(reason) => SeriesOutcome { forecast: None, no_forecast: Some(reason) },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocationForecast {
    pub location: String,
    #[serde(flatten)]
    pub outcome: SeriesOutcome,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerForecast {
    pub server_id: ServerId,
    pub location: String,
    #[serde(flatten)]
    pub outcome: SeriesOutcome,
}

/// The forecast of every location and every `up` server, as the inventory check stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InventoryForecast {
    pub computed_at: DateTime<Utc>,
    /// The days learnt from (complete UTC days, ending yesterday).
    /// The first day learnt from: the window's, or the first day with recorded sales if later.
    pub history_from: NaiveDate,
    pub history_to: NaiveDate,
    pub horizon_days: u32,
    pub level: f64,
    pub locations: Vec<LocationForecast>,
    pub servers: Vec<ServerForecast>,
}

impl InventoryForecast {
    /// Servers expected to run out of free slots within the horizon, soonest first.
    pub fn running_out(&self) -> Vec<&ServerForecast> {
        let mut out: Vec<&ServerForecast> = self
            .servers
            .iter()
            .filter(|s| s.outcome.forecast.as_ref().is_some_and(|f| f.runs_out_on.is_some()))
            .collect();
        out.sort_by_key(|s| s.outcome.forecast.as_ref().and_then(|f| f.runs_out_on));
        out
    }
}
