//! Analytics: every figure computed from rollups the worker keeps from the system's facts, so that reading a
//! year costs the same at 10 k orders as at 1 M.
//! - `facts`: the analytics queue's consumers, each fact applied once to the rollups and its customer's ledger;
//! - `ledger`: the figures that depend on a customer's whole history (cohorts, MRR movements, segments);
//! - `hll`: distinct customers per day, merged over any range; `active`: their closed days folded to one attribute;
//! - `period`: the periods asked for and the windows they compare;
//! - `telemetry`: the hourly roll-up of the functions' requests, the jobs and the health checks into the store;
//! - `business`, `users`, `performance`, `servers`, `forecast`, `realtime`: the metrics sections; `endpoints`: `GET /admin/analytics`;
//!   `scheduled`: the roll-up's task.

pub mod active;
pub mod backfill;
pub mod business;
pub mod customers;
pub mod endpoints;
pub mod facts;
pub mod forecast;
pub mod hll;
pub mod ledger;
pub mod performance;
pub mod period;
pub mod read;
pub mod realtime;
pub mod reports;
pub mod scheduled;
pub mod servers;
pub mod tables;
pub mod telemetry;
pub mod users;

pub use period::{Period, PeriodError, Window};

platform::env!(
    /// What analytics needs: the clock and the store (rollups, ledgers, the catalogue's servers).
    AnalyticsEnv: platform::deps::HasClock, platform::deps::HasStores
);
