//! Adapters: every port of `proxy_core::ports` implemented twice.
//! - `aws`: DynamoDB (store), Redis (cache), SQS (job queue), Lambda event source mappings (worker pool);
//! - `panel_http`: the servers' X-UI panels over HTTP;
//! - `memory` (feature `memory`): the embedded default of the local run and the fast tests. The Lambda
//!   binaries are built without it, so they do not carry a second store, cache and queue.
//!
//! Every backend call has a time limit (`timeout`) and maps its failures onto `proxy_core::error::PortError`.

pub mod aws;
#[cfg(feature = "memory")]
pub mod memory;
pub mod panel_http;
pub mod timeout;
