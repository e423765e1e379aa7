//! Adapters: every port implemented twice.
//! `memory` is the embedded default (local run, fast tests); `aws` is DynamoDB, Redis and SQS.

pub mod aws;
pub mod memory;
pub mod panel_http;
