//! What operators see of the cache and do to it: each store's figures per tier (from the hourly counters of
//! every instance), its server, key count and busiest tags, the warmers' last runs and recommendations in
//! words (`GET /admin/system/cache`); and clearing by store, by tag or all of our prefix.

use crate::stats::{self, StoreFigures};
use crate::views::{StoreName, StorePolicy};
use crate::warmup::{self, HasCacheWarmers, WarmerStatus};
use crate::{CacheEnv, HasTieredCache};
use chrono::{DateTime, Utc};
use proxy_core::ports::{CacheServerInfo, TagCount};
use serde::Serialize;
use std::collections::BTreeMap;

/// Tags listed per store: the busiest.
pub const TAGS_SHOWN: usize = 20;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CacheOverview {
    pub generated_at: DateTime<Utc>,
    pub stores: Vec<StoreReport>,
    pub warmers: Vec<WarmerStatus>,
    pub recommendations: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoreReport {
    pub store: StoreName,
    pub policy: PolicyView,
    pub last_hour: StoreFigures,
    pub last_24_hours: StoreFigures,
    /// None when Redis did not answer (see `error`).
    pub keys: Option<u64>,
    pub tags: Vec<TagCount>,
    pub server: Option<CacheServerInfo>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyView {
    pub ttl_seconds: u64,
    pub instance_ttl_seconds: u64,
    pub instance_max_bytes: u64,
    pub instance_max_entries: u64,
}

impl From<StorePolicy> for PolicyView {
    fn from(p: StorePolicy) -> Self {
        Self {
            ttl_seconds: p.ttl.as_secs(),
            instance_ttl_seconds: p.l1_ttl.as_secs(),
            instance_max_bytes: p.l1_max_bytes,
            instance_max_entries: p.l1_max_entries,
        }
    }
}

/// The overview. Redis being down does not fail it: each store says so, and so do the recommendations.
pub async fn overview<C: CacheEnv + HasCacheWarmers + Sync>(ctx: &C) -> CacheOverview {
    let cache = ctx.tiered_cache();
    // This instance's own counts belong in the figures too.
    cache.flush_stats().await;
    let now = ctx.clock().now();
    let (hour, day) = (stats::window_keys(now, 1), stats::window_keys(now, 24));
    let (hour, day, warmers) =
        futures_util::join!(ctx.cache().get_many(&hour), ctx.cache().get_many(&day), warmup::statuses(ctx));
    let counters_error = hour.as_ref().err().or(day.as_ref().err()).map(|e| e.to_string());
    let last_hour: BTreeMap<StoreName, StoreFigures> =
        stats::figures(&hour.unwrap_or_default(), 1).into_iter().collect();
    let last_day: BTreeMap<StoreName, StoreFigures> =
        stats::figures(&day.unwrap_or_default(), 24).into_iter().collect();
    let reports = StoreName::ALL.map(|store| async move {
        let Some(shared) = cache.shared(store) else {
            return (store, Err("not configured".to_owned()));
        };
        let (keys, tags, server) =
            futures_util::join!(shared.key_count(), shared.tags(TAGS_SHOWN), shared.server_info());
        (store, keys.and_then(|k| Ok((k, tags?, server?))).map_err(|e| e.to_string()))
    });
    let stores: Vec<StoreReport> = futures_util::future::join_all(reports)
        .await
        .into_iter()
        .map(|(store, read)| {
            let (keys, tags, server, error) = match read {
                Ok((keys, tags, server)) => (Some(keys), tags, Some(server), counters_error.clone()),
                Err(error) => (None, Vec::new(), None, Some(error)),
            };
            StoreReport {
                store,
                policy: store.policy().into(),
                last_hour: last_hour.get(&store).cloned().unwrap_or_default(),
                last_24_hours: last_day.get(&store).cloned().unwrap_or_default(),
                keys,
                tags,
                server,
                error,
            }
        })
        .collect();
    let recommendations = recommendations(&stores, &warmers);
    CacheOverview { generated_at: now, stores, warmers, recommendations }
}

/// Reads below this many in a day say nothing about a hit rate.
const MIN_READS: u64 = 100;
const LOW_HIT_RATE: f64 = 0.5;
const MEMORY_NEAR_LIMIT: f64 = 0.8;

/// What an operator should look at, in words, most pressing first.
pub fn recommendations(stores: &[StoreReport], warmers: &[WarmerStatus]) -> Vec<String> {
    let mut out = Vec::new();
    for report in stores {
        let store = report.store;
        if let Some(error) = &report.error {
            out.push(format!(
                "{store}: Redis did not answer ({error}); reads are served from the store, uncached, until it does."
            ));
            continue;
        }
        if report.last_hour.l2_errors > 0 {
            out.push(format!(
                "{store}: {} Redis calls failed in the last hour; those reads went to the store.",
                report.last_hour.l2_errors
            ));
        }
        let day = &report.last_24_hours;
        for (tier, figures) in [("instance", &day.l1), ("Redis", &day.l2)] {
            if let Some(rate) = figures.hit_rate
                && figures.hits + figures.misses >= MIN_READS
                && rate < LOW_HIT_RATE
            {
                out.push(format!(
                    "{store}: the {tier} tier's hit rate was {:.0} % over {} reads in 24 hours: its views expire or \
                     are invalidated before they are read again; a longer TTL or fewer invalidations would help.",
                    rate * 100.0,
                    figures.hits + figures.misses
                ));
            }
        }
        let Some(server) = &report.server else { continue };
        if let (Some(used), Some(max)) = (server.used_memory_bytes, server.maxmemory_bytes)
            && max > 0
            && used as f64 >= max as f64 * MEMORY_NEAR_LIMIT
        {
            out.push(format!(
                "{store}: Redis uses {:.0} % of its maxmemory ({used} of {max} bytes); it will start evicting.",
                used as f64 / max as f64 * 100.0
            ));
        }
        if let Some(policy) = &server.maxmemory_policy
            && policy != "volatile-ttl"
            && policy != "noeviction"
        {
            out.push(format!(
                "{store}: Redis evicts with `{policy}`, which may drop a tag's key set before the values filed \
                 under it; an invalidation then misses them and they are served until their TTL. `volatile-ttl` \
                 evicts the values (shorter-lived) first."
            ));
        }
        if server.evicted_keys.unwrap_or(0) > 0 {
            out.push(format!(
                "{store}: Redis has evicted {} keys since it started: it is short of memory.",
                server.evicted_keys.unwrap_or(0)
            ));
        }
        if server.mode == "cluster" {
            out.push(format!("{store}: Redis runs in cluster mode, which the cache does not support."));
        }
    }
    for warmer in warmers {
        if let Some(run) = &warmer.last_run
            && !run.ok
        {
            out.push(format!("Warmer {} failed on its last run at {}: {}", warmer.name, run.at, run.detail));
        }
    }
    out.dedup();
    out
}

/// What a clear removes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClearTarget {
    /// Every key of one store.
    Store(StoreName),
    /// The keys filed under these tags, in every store.
    Tags(Vec<String>),
    /// Every key of every store (never a key outside the stores' prefixes).
    All,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cleared {
    /// Values removed from Redis, per store.
    pub removed: BTreeMap<StoreName, u64>,
    pub total: u64,
    /// Stores Redis did not answer for.
    pub errors: BTreeMap<StoreName, String>,
}

pub async fn clear<C: HasTieredCache>(ctx: &C, target: &ClearTarget) -> Cleared {
    let cache = ctx.tiered_cache();
    let stores: Vec<StoreName> = match target {
        ClearTarget::Store(store) => vec![*store],
        ClearTarget::Tags(_) | ClearTarget::All => StoreName::ALL.to_vec(),
    };
    let runs = stores.into_iter().map(|store| async move {
        let Some(shared) = cache.shared(store) else { return (store, Err("not configured".to_owned())) };
        let removed = match target {
            ClearTarget::Tags(tags) => shared.invalidate(tags).await,
            ClearTarget::Store(_) | ClearTarget::All => shared.clear().await,
        };
        (store, removed.map_err(|e| e.to_string()))
    });
    let mut cleared = Cleared { removed: BTreeMap::new(), total: 0, errors: BTreeMap::new() };
    for (store, outcome) in futures_util::future::join_all(runs).await {
        match outcome {
            Ok(removed) => {
                cleared.total += removed;
                cleared.removed.insert(store, removed);
            }
            Err(error) => {
                cleared.errors.insert(store, error);
            }
        }
    }
    // Invalidated tags moved their generations, so no instance serves its copies of those views again. A
    // cleared store's values are gone from Redis; instances' copies of them are checked against generations
    // that a clear does not move, so this instance drops its own and others' expire within their instance TTL.
    if !matches!(target, ClearTarget::Tags(_)) {
        cache.forget_instance().await;
    }
    tracing::warn!(?target, total = cleared.total, errors = cleared.errors.len(), "cache cleared by an operator");
    cleared
}
