//! The key/value cache port (Redis in AWS). Values are strings (JSON by convention).

use crate::error::PortResult;
use async_trait::async_trait;
use std::time::Duration;

#[async_trait]
pub trait Cache: Send + Sync {
    async fn get(&self, key: &str) -> PortResult<Option<String>>;
    /// Stores the value; `ttl` None keeps it until deleted.
    async fn set(&self, key: &str, value: &str, ttl: Option<Duration>) -> PortResult<()>;
    /// Stores the value only if the key is absent; true when it was stored (locks, first-writer-wins).
    async fn set_if_absent(&self, key: &str, value: &str, ttl: Duration) -> PortResult<bool>;
    async fn delete(&self, key: &str) -> PortResult<()>;
    /// Atomically adds `by` and returns the new value; a new key starts at 0 and gets `ttl` (if given).
    async fn incr(&self, key: &str, by: i64, ttl: Option<Duration>) -> PortResult<i64>;
    /// Seconds until the key expires; None when it is missing or has no expiry.
    async fn ttl(&self, key: &str) -> PortResult<Option<Duration>>;
    /// A round trip proving the cache answers.
    async fn ping(&self) -> PortResult<()>;
}
