//! The cache context: the two-tier cache of views the other contexts read through (`TieredCache`), the typed
//! views and the stores they live in (`views`), its statistics (`stats`), warm-up (`warmup`), the operators'
//! overview and clearing (`admin`), their endpoints and the hourly warm-up task.
//!
//! It sits below the contexts whose views it caches (pricing, queues, orders, inventory): they read through it
//! and invalidate their tags in the code paths that write. The warmers are theirs, registered at the top
//! (`shared::cache_warmers`), as their jobs are.

pub mod admin;
pub mod endpoints;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod requests;
pub mod scheduled;
pub mod stats;
pub mod tiered;
pub mod views;
pub mod warmup;

pub use tiered::TieredCache;
pub use views::{StoreName, StorePolicy, View, tags};
pub use warmup::{HasCacheWarmers, WarmFuture, Warmer};

/// The cache of views, for the services that read through it.
pub trait HasTieredCache {
    fn tiered_cache(&self) -> &TieredCache;
}

platform::env!(
    /// What the cache's administration needs: the clock, the plain cache (statistics, the warm-up's lock and
    /// records) and the cache of views.
    CacheEnv: platform::deps::HasClock, platform::deps::HasCache, HasTieredCache
);
