//! Shared code of the 1000proxy system services above the store: services, handlers, HTTP plumbing, the worker,
//! the route table and the runtime glue. Below it, each its own crate: `proxy_core` (domain, ports, clock,
//! validation, the pricing engine), `store` (repositories and the key design) and `adapters` (AWS and in-memory).
//!
//! Layout (outside in): `routes` is the one table of every function; `handlers` turn a Lambda event into a call
//! of a `services` function; services work on `domain` types through `store` repositories and the `ports`
//! traits. The lower crates are re-exported under their old paths (`shared::domain`, `shared::store`, ...).

pub use adapters;
pub use proxy_core::{clock, domain, error, ports, pricing, validation};
pub use store;

pub mod app;
pub mod config;
pub mod deps;
pub mod handlers;
pub mod http;
pub mod jobs;
pub mod logging;
pub mod routes;
pub mod runtime;
pub mod schedule;
pub mod services;
pub mod worker;
