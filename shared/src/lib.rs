//! The Lambda edge and the composition root of the 1000proxy system services: the HTTP edge (`http`: API
//! Gateway's event in, the envelope out, the caller and rate limits checked against the route table), the
//! runtime glue (`runtime`), the queue worker's SQS handler and job registry (`worker`), the by-name dispatch
//! the local server and tests use (`handlers`), and `AppContext`, which builds the adapters and gives every
//! context the capabilities it asks for. Below it, each its own crate (docs/architecture.md): `proxy_core`,
//! `store`, `adapters`, `api` (the route table and what an endpoint reads and answers), `platform`, and the
//! contexts `pricing`, `queues`, `monitoring`, `orders`, `inventory`, which own their services, endpoints,
//! scheduled tasks and job handlers. They are re-exported under the paths they had as modules of this crate
//! (`shared::domain`, `shared::routes`, `shared::services::*`).

pub use adapters;
pub use api::{routes, schedule};
pub use platform::{deps, jobs};
pub use proxy_core::{clock, domain, error, ports, pricing, validation};
pub use store;

/// The bounded contexts' services, each a crate of its own, under the paths they had in this crate.
pub mod services {
    pub use ::analytics;
    pub use ::cache;
    pub use ::dashboards;
    pub use ::inventory;
    pub use ::monitoring;
    pub use ::monitoring::health;
    pub use ::orders;
    pub use ::orders::{profile, provisioning, wallet};
    pub use ::platform::{alert_mail, alerts, events, notifications, panel_metrics, request_metrics};
    pub use ::pricing;
    pub use ::queues;
    pub use ::realtime;
}

/// Every context's cache warmers (`services::cache::warmup`), in the order a warm-up runs them.
pub fn cache_warmers() -> Vec<services::cache::Warmer<app::AppContext>> {
    let mut warmers = services::pricing::admin::cache_warmers();
    warmers.extend(services::inventory::cached::cache_warmers());
    warmers.extend(services::queues::cached::cache_warmers());
    warmers
}

pub mod app;
pub mod config;
pub mod handlers;
pub mod http;
#[cfg(feature = "memory")]
pub mod log_ring;
pub mod logging;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod runtime;
pub mod user_pool;
pub mod websocket;
pub mod worker;
