//! The key/value cache port (Redis in AWS). Values are strings (JSON by convention).

use crate::error::PortResult;
use async_trait::async_trait;
use std::time::Duration;

/// One change to a numeric counter, for `Cache::update_counters`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterUpdate {
    pub key: String,
    pub change: CounterChange,
    /// Given to the key when it is created; a later update does not move it, so a time bucket expires on time.
    pub ttl: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CounterChange {
    /// Adds to the counter (a new key starts at 0).
    Add(i64),
    /// Raises the counter to the value if it is below it (a new key takes the value).
    Max(i64),
    /// Adds a member (a stable 64-bit hash of what is counted) to the key's distinct count: a HyperLogLog in
    /// Redis, bounded at 12 KB however many members (`Cache::count_distinct` reads it).
    Distinct(i64),
}

#[async_trait]
pub trait Cache: Send + Sync {
    async fn get(&self, key: &str) -> PortResult<Option<String>>;
    /// Stores the value; `ttl` None keeps it until deleted.
    async fn set(&self, key: &str, value: &str, ttl: Option<Duration>) -> PortResult<()>;
    /// Stores the value only if the key is absent; true when it was stored (locks, first-writer-wins).
    async fn set_if_absent(&self, key: &str, value: &str, ttl: Duration) -> PortResult<bool>;
    async fn delete(&self, key: &str) -> PortResult<()>;
    /// Deletes the key only if it holds `expected`, atomically; true when it did (a lock released by its holder
    /// only, never after it expired and another took it).
    async fn delete_if(&self, key: &str, expected: &str) -> PortResult<bool>;
    /// Atomically adds `by` and returns the new value; a new key starts at 0 and gets `ttl` (if given).
    async fn incr(&self, key: &str, by: i64, ttl: Option<Duration>) -> PortResult<i64>;
    /// Applies every update in one round trip, each atomically with respect to other writers of its key.
    async fn update_counters(&self, updates: &[CounterUpdate]) -> PortResult<()>;
    /// The values of many keys in one round trip, in the order asked.
    async fn get_many(&self, keys: &[String]) -> PortResult<Vec<Option<String>>>;
    /// How many distinct members the keys' `Distinct` counters saw together (their union): one round trip.
    /// Estimated within about 1 % in Redis (HyperLogLog); a missing key counts none.
    async fn count_distinct(&self, keys: &[String]) -> PortResult<u64>;
    /// Seconds until the key expires; None when it is missing or has no expiry.
    async fn ttl(&self, key: &str) -> PortResult<Option<Duration>>;
    /// A round trip proving the cache answers.
    async fn ping(&self) -> PortResult<()>;
    /// Puts `member` in the sorted set `key` at `score` (a time, in seconds), drops the members scored more than
    /// `keep` before it, and keeps the set `keep` after this write: one atomic round trip (a Redis sorted set).
    async fn sorted_put(&self, key: &str, member: &str, score: i64, keep: Duration) -> PortResult<()>;
    /// The members of the sorted set `key` scored `min_score` or more, highest first, at most `limit`: one round
    /// trip.
    async fn sorted_since(&self, key: &str, min_score: i64, limit: usize) -> PortResult<Vec<(String, i64)>>;
}
