//! A store of cached views filed under tags (Redis in AWS): the shared tier under each function instance's own
//! (the `cache` context). Keys and tags are given without the store's prefix; the adapter adds it, and never
//! reads or removes a key outside it.
//!
//! Each tag has a generation, moved by every invalidation of the tag. A reader takes the generations of its
//! view's tags with the value (`read`), and a value loaded from the source is stored only if none of them moved
//! meanwhile (`write`): otherwise a load that read the source before a write, and finished after that write's
//! invalidation, would store the old data for its whole TTL.

use crate::error::PortResult;
use async_trait::async_trait;
use std::time::Duration;

/// The longest a value is kept: a longer TTL is cut to it. A tag's generation outlives every value written
/// under it (the adapters keep generations three times as long), so a reader never misses a move.
pub const MAX_TTL: Duration = Duration::from_secs(24 * 3600);

/// How many tags `TaggedCache::tags` looks at, at most: a bound on the admin overview's work when every
/// customer has a tag.
pub const TAGS_SCANNED: usize = 2_000;

/// A cached value and the current generation of each tag asked for, in the order asked.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TaggedRead {
    pub value: Option<String>,
    pub generations: Vec<u64>,
}

/// A tag and how many live keys are filed under it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TagCount {
    pub tag: String,
    pub keys: u64,
}

/// What pruning a store's tag sets did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct TagPrune {
    pub sets_scanned: u64,
    /// Members dropped: keys whose value was gone (expired, evicted or removed).
    pub members_dropped: u64,
    /// Sets left empty, and so gone.
    pub sets_removed: u64,
}

/// What the cache server says of itself (Redis `INFO`); figures it does not give are None.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct CacheServerInfo {
    /// `redis 7.2.4`, `valkey 8.0.1`, or `memory` for the in-memory twin.
    pub version: String,
    /// `standalone` or `cluster`.
    pub mode: String,
    pub used_memory_bytes: Option<u64>,
    pub used_memory_peak_bytes: Option<u64>,
    /// 0 when the server has no limit.
    pub maxmemory_bytes: Option<u64>,
    pub maxmemory_policy: Option<String>,
    pub fragmentation_ratio: Option<f64>,
    pub connected_clients: Option<u64>,
    pub evicted_keys: Option<u64>,
}

impl CacheServerInfo {
    /// Why this server cannot run the cache, if it cannot: older than Redis/Valkey 7 (`EXPIRE .. NX|GT`, which
    /// the rate limiter and the tagged cache use, came with 7.0), or in cluster mode (the tagged cache's
    /// scripts touch keys a cluster could not route to one node).
    pub fn unsupported_because(&self) -> Option<String> {
        let mut words = self.version.split_whitespace();
        let (server, release) = (words.next().unwrap_or_default(), words.next().unwrap_or_default());
        if matches!(server, "redis" | "valkey") {
            let major: Option<u32> = release.split('.').next().and_then(|major| major.parse().ok());
            if major.is_some_and(|major| major < 7) {
                return Some(format!(
                    "{server} {release} is older than 7.0, which the rate limiter and the cache need (EXPIRE NX/GT)"
                ));
            }
        }
        (self.mode == "cluster").then(|| {
            format!("{server} runs in cluster mode; the cache needs cluster mode disabled (one shard with replicas)")
        })
    }
}

#[async_trait]
pub trait TaggedCache: Send + Sync {
    /// The value under `key` and the current generation of each of `tags`, in one round trip.
    async fn read(&self, key: &str, tags: &[String]) -> PortResult<TaggedRead>;
    /// The current generation of each of `tags`, in one round trip: what a copy kept elsewhere (an instance's
    /// own tier) is checked against before it is served.
    async fn generations(&self, tags: &[String]) -> PortResult<Vec<u64>>;
    /// Stores `value` under `key` for `ttl` and files it under `tags`, unless a tag's generation is no longer
    /// the one in `generations` (read with `read`): then nothing is stored and the answer is false. One round
    /// trip.
    async fn write(
        &self,
        key: &str,
        value: &str,
        ttl: Duration,
        tags: &[String],
        generations: &[u64],
    ) -> PortResult<bool>;
    /// Removes every key filed under each tag, and moves the tags' generations; how many keys were removed.
    /// One round trip.
    async fn invalidate(&self, tags: &[String]) -> PortResult<u64>;
    /// Removes every value of this store and its tag sets, in batches; how many values were removed. The tags'
    /// generations stay (they expire by themselves): a load that began before the clear must still see them
    /// move if its tags are invalidated after it.
    async fn clear(&self) -> PortResult<u64>;
    /// The `limit` tags with the most live keys, among the first `TAGS_SCANNED` found; members whose key has
    /// expired are dropped from their tag on the way, so tags do not grow with keys that are gone.
    async fn tags(&self, limit: usize) -> PortResult<Vec<TagCount>>;
    /// Drops from every tag set of this store the keys whose value is gone, a batch of sets at a time (the
    /// weekly clean-up: `tags` prunes only the sets it looks at).
    async fn prune_tags(&self) -> PortResult<TagPrune>;
    /// How many values this store holds (counted by scanning its prefix: never a whole-keyspace command).
    async fn key_count(&self) -> PortResult<u64>;
    async fn server_info(&self) -> PortResult<CacheServerInfo>;
}

#[cfg(test)]
mod tests {
    use super::CacheServerInfo;

    fn server(version: &str, mode: &str) -> CacheServerInfo {
        CacheServerInfo { version: version.into(), mode: mode.into(), ..CacheServerInfo::default() }
    }

    #[test]
    fn redis_or_valkey_7_and_newer_without_cluster_mode_is_supported() {
        for version in ["redis 7.0.0", "redis 7.4.1", "valkey 7.2.4", "valkey 8.0.1", "memory"] {
            assert_eq!(server(version, "standalone").unsupported_because(), None, "{version}");
        }
        let old = server("redis 6.2.14", "standalone").unsupported_because().unwrap();
        assert!(old.contains("older than 7.0"), "{old}");
        let cluster = server("valkey 8.0.1", "cluster").unsupported_because().unwrap();
        assert!(cluster.contains("cluster mode"), "{cluster}");
    }
}
