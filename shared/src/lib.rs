//! The edge and the composition root of the 1000proxy system services: the route table (`routes`), the handlers
//! that turn a Lambda event into a call of a context's service, the HTTP plumbing (`http`), the queue worker,
//! the runtime glue, and `AppContext`, which builds the adapters and gives every context the capabilities it
//! asks for. Below it, each its own crate (docs/architecture.md): `proxy_core`, `store`, `adapters`,
//! `platform`, and the contexts `pricing`, `queues`, `monitoring`, `orders`, `inventory`. They are re-exported
//! under the paths they had as modules of this crate (`shared::domain`, `shared::store`, `shared::services::*`).

pub use adapters;
pub use platform::{deps, jobs};
pub use proxy_core::{clock, domain, error, ports, pricing, validation};
pub use store;

/// The bounded contexts' services, each a crate of its own, under the paths they had in this crate.
pub mod services {
    pub use ::inventory;
    pub use ::monitoring::health;
    pub use ::orders;
    pub use ::orders::{profile, provisioning, wallet};
    pub use ::platform::{alerts, events};
    pub use ::pricing;
    pub use ::queues;
}

pub mod app;
pub mod config;
pub mod handlers;
pub mod http;
pub mod logging;
pub mod routes;
pub mod runtime;
pub mod schedule;
pub mod worker;
