//! What is cached: the three stores the original configured (`config/cache.php`: general, sessions, analytics),
//! each with its own Redis connection setting, key prefix and lifetimes, and the typed views the services ask
//! for, which say what kind of data they are (`server_data`, `user_data`, `analytics_data`, as the original's
//! `cacheServerData / cacheUserData / cacheAnalyticsData`).

use proxy_core::domain::CustomerId;
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StoreName {
    /// Server and catalogue data: servers, plans, capacity, pricing, queues.
    Default,
    /// One customer's data: wallet, orders.
    Sessions,
    /// Analytics summaries.
    Analytics,
}

impl StoreName {
    pub const ALL: [StoreName; 3] = [StoreName::Default, StoreName::Sessions, StoreName::Analytics];

    pub fn as_str(self) -> &'static str {
        match self {
            StoreName::Default => "default",
            StoreName::Sessions => "sessions",
            StoreName::Analytics => "analytics",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// The environment variable naming its Redis; unset, the store uses `REDIS_URL`.
    pub fn url_variable(self) -> &'static str {
        match self {
            StoreName::Default => "REDIS_URL",
            StoreName::Sessions => "REDIS_SESSIONS_URL",
            StoreName::Analytics => "REDIS_ANALYTICS_URL",
        }
    }

    pub fn policy(self) -> StorePolicy {
        match self {
            StoreName::Default => StorePolicy {
                ttl: Duration::from_secs(300),
                l1_ttl: Duration::from_secs(30),
                l1_max_bytes: 8 << 20,
                l1_max_entries: 1_000,
            },
            // Small values, one customer's each: an instance copy would save nothing over reading Redis once,
            // which the check of its generations costs anyway. A failed invalidation (Redis unreachable twice)
            // is made later by the instance that owes it; the TTL bounds the rest.
            StoreName::Sessions => StorePolicy {
                ttl: Duration::from_secs(120),
                l1_ttl: Duration::ZERO,
                l1_max_bytes: 4 << 20,
                l1_max_entries: 1_000,
            },
            StoreName::Analytics => StorePolicy {
                ttl: Duration::from_secs(3600),
                l1_ttl: Duration::from_secs(60),
                l1_max_bytes: 8 << 20,
                l1_max_entries: 500,
            },
        }
    }
}

impl std::fmt::Display for StoreName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How long a store keeps its values, in each tier. An instance's copy is checked against its tags'
/// generations in Redis before it is served (`tiered`), so `l1_ttl` bounds memory and the life of a copy
/// whose view changed without a write announcing it (the clock, traffic), not the staleness after a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StorePolicy {
    /// Default lifetime in Redis.
    pub ttl: Duration,
    /// Lifetime in the instance; zero: not kept in the instance (loads are still coalesced).
    pub l1_ttl: Duration,
    pub l1_max_bytes: u64,
    pub l1_max_entries: u64,
}

/// The tags writes invalidate.
pub mod tags {
    use proxy_core::domain::{CustomerId, ServerId};

    /// The active pricing rules and everything priced from them.
    pub const PRICING: &str = "pricing";
    /// Capacity: servers, slots, holds.
    pub const INVENTORY: &str = "inventory";
    /// Queue figures and failed jobs.
    pub const QUEUES: &str = "queues";

    pub fn customer(customer: &CustomerId) -> String {
        format!("customer:{customer}")
    }

    pub fn server(server: &ServerId) -> String {
        format!("server:{server}")
    }
}

/// A cached view: its store, key, tags and lifetime in Redis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    pub store: StoreName,
    pub key: String,
    pub tags: Vec<String>,
    pub ttl: Duration,
}

impl View {
    fn new(store: StoreName, key: String) -> Self {
        Self { store, key, tags: Vec::new(), ttl: store.policy().ttl }
    }

    /// Server and catalogue data, in the default store.
    pub fn server_data(key: impl Into<String>) -> Self {
        Self::new(StoreName::Default, key.into())
    }

    /// One customer's data, in the sessions store, keyed and tagged by the customer: any write of theirs that
    /// invalidates `tags::customer` drops it.
    pub fn user_data(customer: &CustomerId, key: impl AsRef<str>) -> Self {
        let tag = tags::customer(customer);
        let mut view = Self::new(StoreName::Sessions, format!("{tag}:{}", key.as_ref()));
        view.tags.push(tag);
        view
    }

    /// An analytics summary, in the analytics store.
    pub fn analytics_data(key: impl Into<String>) -> Self {
        Self::new(StoreName::Analytics, key.into())
    }

    pub fn tagged(mut self, tag: impl Into<String>) -> Self {
        let tag = tag.into();
        if !self.tags.contains(&tag) {
            self.tags.push(tag);
        }
        self
    }

    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_data_has_its_store_and_a_customers_data_its_tag() {
        let customer = CustomerId::from("c-1");
        let wallet = View::user_data(&customer, "wallet");
        assert_eq!((wallet.store, wallet.key.as_str()), (StoreName::Sessions, "customer:c-1:wallet"));
        assert_eq!(wallet.tags, vec!["customer:c-1".to_owned()]);
        assert_eq!(wallet.ttl, StoreName::Sessions.policy().ttl);
        let overview = View::server_data("pricing:overview").tagged(tags::PRICING).tagged(tags::PRICING);
        assert_eq!((overview.store, overview.tags.len()), (StoreName::Default, 1));
        assert_eq!(View::analytics_data("summary").store, StoreName::Analytics);
        for store in StoreName::ALL {
            assert_eq!(StoreName::parse(store.as_str()), Some(store));
        }
        assert_eq!(StoreName::parse("all"), None);
    }
}
