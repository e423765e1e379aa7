//! Shared code of the 1000proxy system services.
//!
//! Layout (outside in): `routes` is the one table of every function; `handlers` turn a Lambda event into a call
//! of a `services` function; services work on `domain` types through `store` repositories and the `ports`
//! traits; `adapters` implement the ports twice — AWS (DynamoDB, Redis, SQS) and in-memory.

pub mod adapters;
pub mod app;
pub mod clock;
pub mod config;
pub mod domain;
pub mod error;
pub mod handlers;
pub mod http;
pub mod logging;
pub mod ports;
pub mod pricing;
pub mod routes;
pub mod runtime;
pub mod schedule;
pub mod services;
pub mod store;
pub mod worker;
