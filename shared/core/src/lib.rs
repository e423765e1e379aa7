//! The bottom layer of the 1000proxy system services: what every other crate speaks.
//!
//! - `domain`: customers, wallets, servers, plans, orders, clients, coupons, alerts, jobs; `Decimal` money and
//!   typed ids. Plain data, no I/O.
//! - `ports`: the small traits through which services reach the world (`Table`, `Cache`, `JobQueue`,
//!   `PanelClient`, `WorkerPool`), and `error`: the one vocabulary of their failures.
//! - `clock`: time as a port.
//! - `validation`: request bodies into typed requests with per-field errors (the 422 envelope's `errors`).
//! - `pricing`: the pure pricing engine.
//!
//! Named `proxy-core` because `core` is the name of Rust's own library.

pub mod clock;
pub mod domain;
pub mod error;
pub mod ports;
pub mod pricing;
pub mod time_zone;
pub mod validation;
