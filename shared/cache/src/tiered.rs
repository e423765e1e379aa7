//! The two-tier cache of views: per store, an instance tier (L1, moka, bounded by bytes and entries) over the
//! shared tier in Redis (L2, `TaggedCache`).
//!
//! An instance's copy is served only after one small round trip checks its tags' generations in Redis: every
//! route is its own Lambda function, so the instance that writes is never the one that serves the view, and a
//! copy trusted for its TTL would show an admin the old rules after publishing new ones. The check costs what
//! reading the value would cost in round trips, but not its size nor its parsing.
//!
//! A read that misses both tiers loads once per key per instance, however many requests ask at once: the
//! load runs inside moka's `try_get_with`, which makes every concurrent caller of the key wait for the first
//! one's load (what the local server, which serves every route in one process, gains; a Lambda instance serves one
//! request at a time, so there each instance loads once anyway). Joining a load that began before a write can
//! return the older value, as any read concurrent with a write may. A value in Redis
//! carries its expiry and how long it took to compute, and each reader recomputes it early with a probability
//! that grows as the expiry nears and with the cost (XFetch, Vattani et al., PVLDB 2015): one instance
//! refreshes a hot key before it expires while the others keep reading it, instead of all of them going to
//! the source when it does.
//!
//! Redis failing never fails a read: the value is loaded from the source and nothing is written. After a
//! failure the store's Redis is left alone for `BREAK_FOR` (a Redis that hangs costs one request its timeout,
//! not every request), and an invalidation that could not be made is kept and made before this instance next
//! reads from Redis, so a write's invalidation is not lost to a blip.

use crate::stats::{InstanceStats, Metric};
use crate::views::{StoreName, StorePolicy, View};
use chrono::{DateTime, Utc};
use proxy_core::clock::Clock;
use proxy_core::ports::{Cache, TaggedCache};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// XFetch's β: 1 is the paper's recommended default (larger refreshes earlier).
const XFETCH_BETA: f64 = 1.0;
/// How long a store's Redis is left alone after a call to it failed.
pub const BREAK_FOR: chrono::Duration = chrono::Duration::seconds(5);
/// Attempts of an invalidation before it is kept for later, and the pause before the second.
const INVALIDATE_ATTEMPTS: u32 = 2;
const INVALIDATE_BACKOFF: Duration = Duration::from_millis(50);

/// What Redis holds for a view: the value's JSON, its expiry and how long it took to load (XFetch's δ).
#[derive(Serialize, Deserialize)]
struct Stored {
    #[serde(rename = "v")]
    value: Box<serde_json::value::RawValue>,
    /// Expiry, milliseconds since the epoch by the injected clock.
    #[serde(rename = "x")]
    expires_ms: i64,
    #[serde(rename = "d")]
    load_ms: u64,
}

/// A view in the instance tier.
struct Local {
    json: Arc<str>,
    until: DateTime<Utc>,
    /// The generations of the view's tags in Redis when the value was read or loaded; None when Redis did not
    /// answer then (such a copy is never served from the instance).
    generations: Option<Vec<u64>>,
}

/// XFetch's test: refresh when `now - δ·β·ln(random) ≥ expiry`, for a draw `random` in (0, 1].
fn xfetch(now_ms: i64, expires_ms: i64, load_ms: u64, random: f64) -> bool {
    let random = random.clamp(f64::MIN_POSITIVE, 1.0);
    now_ms as f64 - load_ms as f64 * XFETCH_BETA * random.ln() >= expires_ms as f64
}

/// One store's two tiers, and what this instance knows of its Redis.
struct Tiers {
    l1: moka::future::Cache<String, Arc<Local>>,
    l2: Arc<dyn TaggedCache>,
    policy: StorePolicy,
    /// Until when Redis is left alone after a failure.
    broken_until: Mutex<Option<DateTime<Utc>>>,
    /// Tags whose invalidation failed, to invalidate before this instance next reads from Redis.
    pending: Mutex<BTreeSet<String>>,
}

pub struct TieredCache {
    clock: Arc<dyn Clock>,
    stores: HashMap<StoreName, Tiers>,
    stats: Arc<InstanceStats>,
    /// Where the statistics are flushed.
    counters: Arc<dyn Cache>,
    /// XFetch's uniform draw in (0, 1].
    random: fn() -> f64,
}

/// Why a load's result is not the caller's to return: it failed in another caller's load.
struct Failed<E>(Mutex<Option<E>>);

impl TieredCache {
    /// The stores' shared tiers, each given with its name; the statistics go to `counters`.
    pub fn new(
        clock: Arc<dyn Clock>,
        shared: impl IntoIterator<Item = (StoreName, Arc<dyn TaggedCache>)>,
        counters: Arc<dyn Cache>,
    ) -> Self {
        let stats = Arc::new(InstanceStats::default());
        let stores = shared
            .into_iter()
            .map(|(name, l2)| {
                let policy = name.policy();
                // Each entry weighs at least max_bytes / max_entries, so the byte bound also bounds the entries.
                let floor = (policy.l1_max_bytes / policy.l1_max_entries.max(1)).max(1) as u32;
                let evictions = stats.clone();
                let l1 = moka::future::Cache::builder()
                    .max_capacity(policy.l1_max_bytes)
                    .weigher(move |key: &String, local: &Arc<Local>| ((key.len() + local.json.len()) as u32).max(floor))
                    .time_to_live(policy.l1_ttl.max(Duration::from_secs(1)))
                    .eviction_listener(move |_, _, cause| {
                        if cause == moka::notification::RemovalCause::Size {
                            evictions.add(name, Metric::L1Evictions, 1);
                        }
                    })
                    .build();
                let tiers =
                    Tiers { l1, l2, policy, broken_until: Mutex::new(None), pending: Mutex::new(BTreeSet::new()) };
                (name, tiers)
            })
            .collect();
        Self { clock, stores, stats, counters, random: fastrand::f64 }
    }

    /// Draws XFetch's random numbers from `random` instead (a fixed draw makes early refresh deterministic).
    pub fn with_random(mut self, random: fn() -> f64) -> Self {
        self.random = random;
        self
    }

    pub fn stats(&self) -> &InstanceStats {
        &self.stats
    }

    /// The shared tier of a store.
    pub fn shared(&self, store: StoreName) -> Option<&Arc<dyn TaggedCache>> {
        self.stores.get(&store).map(|t| &t.l2)
    }

    /// The instance tier's size: entries and bytes (weighted) of a store.
    pub async fn instance_size(&self, store: StoreName) -> (u64, u64) {
        match self.stores.get(&store) {
            Some(tiers) => {
                tiers.l1.run_pending_tasks().await;
                (tiers.l1.entry_count(), tiers.l1.weighted_size())
            }
            None => (0, 0),
        }
    }

    /// Whether this instance calls the store's Redis now: not while it is left alone after a failure, and not
    /// before the invalidations it owes have been made.
    async fn redis_usable(&self, tiers: &Tiers, store: StoreName) -> bool {
        if self.left_alone(tiers) {
            return false;
        }
        let owed: Vec<String> = tiers.pending.lock().unwrap_or_else(|p| p.into_inner()).iter().cloned().collect();
        if owed.is_empty() {
            return true;
        }
        match tiers.l2.invalidate(&owed).await {
            Ok(_) => {
                let mut pending = tiers.pending.lock().unwrap_or_else(|p| p.into_inner());
                owed.iter().for_each(|tag| {
                    pending.remove(tag);
                });
                tracing::info!(store = %store, tags = ?owed, "owed cache invalidations made");
                true
            }
            Err(error) => {
                self.redis_failed(tiers, store, &error);
                false
            }
        }
    }

    /// Whether the store's Redis is being left alone after a failure.
    fn left_alone(&self, tiers: &Tiers) -> bool {
        let now = self.clock.now();
        tiers.broken_until.lock().unwrap_or_else(|p| p.into_inner()).is_some_and(|until| until > now)
    }

    fn redis_failed(&self, tiers: &Tiers, store: StoreName, error: &dyn std::fmt::Display) {
        tracing::warn!(%error, store = %store, "cache call failed; Redis left alone for a while, reads go to the source");
        self.stats.add(store, Metric::L2Errors, 1);
        *tiers.broken_until.lock().unwrap_or_else(|p| p.into_inner()) = Some(self.clock.now() + BREAK_FOR);
    }

    /// The view, from the instance, from Redis, or loaded with `load` (and then stored in both). `load` runs at
    /// most once per key at a time in this instance; a caller that waited on another's failed load runs its
    /// own.
    pub async fn get_or_load<T, E, F, Fut>(&self, view: &View, load: F) -> Result<T, E>
    where
        T: Serialize + DeserializeOwned,
        E: Send + Sync + 'static,
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let Some(tiers) = self.stores.get(&view.store) else {
            return load().await;
        };
        let result = self.read_through(tiers, view, &load).await;
        self.stats.raise(view.store, Metric::L1EntriesPeak, tiers.l1.entry_count());
        self.stats.raise(view.store, Metric::L1BytesPeak, tiers.l1.weighted_size());
        self.flush_if_due(false).await;
        result
    }

    async fn read_through<T, E, F, Fut>(&self, tiers: &Tiers, view: &View, load: &F) -> Result<T, E>
    where
        T: Serialize + DeserializeOwned,
        E: Send + Sync + 'static,
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let store = view.store;
        if !self.redis_usable(tiers, store).await {
            return load().await;
        }
        let serve_l1 = !tiers.policy.l1_ttl.is_zero();
        if let Some(local) = tiers.l1.get(&view.key).await {
            if serve_l1
                && local.until > self.clock.now()
                && let Some(kept) = &local.generations
            {
                match tiers.l2.generations(&view.tags).await {
                    Ok(current) if current == *kept => {
                        if let Ok(value) = serde_json::from_str(&local.json) {
                            self.stats.add(store, Metric::L1Hits, 1);
                            return Ok(value);
                        }
                    }
                    Ok(_) => {}
                    Err(error) => {
                        self.redis_failed(tiers, store, &error);
                        return load().await;
                    }
                }
            }
            tiers.l1.invalidate(&view.key).await;
        }
        if serve_l1 {
            self.stats.add(store, Metric::L1Misses, 1);
        }
        let outcome = tiers
            .l1
            .try_get_with(view.key.clone(), async {
                match self.shared_tier_or_source(tiers, view, load).await {
                    Ok((json, generations)) => Ok(Arc::new(Local {
                        json,
                        until: self.clock.now()
                            + chrono::Duration::from_std(tiers.policy.l1_ttl.min(view.ttl)).unwrap_or_default(),
                        generations,
                    })),
                    Err(error) => Err(Failed(Mutex::new(Some(error)))),
                }
            })
            .await;
        if !serve_l1 {
            // Coalesced, but not kept: the next read goes to Redis.
            tiers.l1.invalidate(&view.key).await;
        }
        match outcome {
            Ok(local) => match serde_json::from_str(&local.json) {
                Ok(value) => Ok(value),
                Err(_) => load().await,
            },
            Err(failed) => {
                let error = failed.0.lock().unwrap_or_else(|p| p.into_inner()).take();
                match error {
                    Some(error) => Err(error),
                    None => load().await,
                }
            }
        }
    }

    /// The view's JSON from Redis, or loaded and written there, with the tags' generations it was read under.
    async fn shared_tier_or_source<T, E, F, Fut>(
        &self,
        tiers: &Tiers,
        view: &View,
        load: &F,
    ) -> Result<(Arc<str>, Option<Vec<u64>>), E>
    where
        T: Serialize,
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let store = view.store;
        let generations = match tiers.l2.read(&view.key, &view.tags).await {
            Ok(read) => {
                let stored = read.value.as_deref().and_then(|v| serde_json::from_str::<Stored>(v).ok());
                match stored {
                    Some(stored) if !self.refresh_early(&stored) => {
                        self.stats.add(store, Metric::L2Hits, 1);
                        return Ok((Arc::from(stored.value.get()), Some(read.generations)));
                    }
                    Some(_) => self.stats.add(store, Metric::EarlyRefreshes, 1),
                    None => self.stats.add(store, Metric::L2Misses, 1),
                }
                Some(read.generations)
            }
            Err(error) => {
                self.redis_failed(tiers, store, &error);
                None
            }
        };
        let started = Instant::now();
        let value = load().await?;
        let took = started.elapsed();
        self.stats.add(store, Metric::Loads, 1);
        self.stats.add(store, Metric::LoadMicros, took.as_micros() as u64);
        let json = match serde_json::value::to_raw_value(&value) {
            Ok(json) => json,
            // A value that cannot be written as JSON is served uncached (never happens for the views' types).
            Err(_) => return Ok((Arc::from("null"), None)),
        };
        let kept = match generations {
            Some(generations) if self.write_l2(tiers, view, &json, took, &generations).await => Some(generations),
            _ => None,
        };
        Ok((Arc::from(json.get()), kept))
    }

    /// Writes a loaded value to Redis; true when it is stored there under `generations`.
    async fn write_l2(
        &self,
        tiers: &Tiers,
        view: &View,
        json: &serde_json::value::RawValue,
        took: Duration,
        generations: &[u64],
    ) -> bool {
        let expires = self.clock.now() + chrono::Duration::from_std(view.ttl).unwrap_or_default();
        let stored =
            Stored { value: json.to_owned(), expires_ms: expires.timestamp_millis(), load_ms: took.as_millis() as u64 };
        let Ok(text) = serde_json::to_string(&stored) else { return false };
        match tiers.l2.write(&view.key, &text, view.ttl, &view.tags, generations).await {
            Ok(true) => true,
            Ok(false) => {
                self.stats.add(view.store, Metric::WritesRefused, 1);
                false
            }
            Err(error) => {
                self.redis_failed(tiers, view.store, &error);
                false
            }
        }
    }

    fn refresh_early(&self, stored: &Stored) -> bool {
        xfetch(self.clock.now().timestamp_millis(), stored.expires_ms, stored.load_ms, (self.random)())
    }

    /// Drops every view filed under `tags` in `store`, in Redis (which moves the tags' generations, so every
    /// instance's copies stop being served). Tried twice; if Redis still does not answer, the tags are kept and
    /// invalidated before this instance next reads from Redis. Never raised: the write that calls this has
    /// already happened.
    pub async fn invalidate(&self, store: StoreName, tags: &[String]) {
        let Some(tiers) = self.stores.get(&store) else { return };
        if tags.is_empty() {
            return;
        }
        if !self.left_alone(tiers) {
            for attempt in 1..=INVALIDATE_ATTEMPTS {
                match tiers.l2.invalidate(tags).await {
                    Ok(_) => return,
                    Err(error) if attempt == INVALIDATE_ATTEMPTS => self.redis_failed(tiers, store, &error),
                    Err(_) => tokio::time::sleep(INVALIDATE_BACKOFF).await,
                }
            }
        }
        tracing::warn!(store = %store, ?tags, "cache invalidation owed until Redis answers");
        tiers.pending.lock().unwrap_or_else(|p| p.into_inner()).extend(tags.iter().cloned());
    }

    /// `get_or_load` for a view answered as JSON and never read back as its type (an admin overview): the
    /// cache keeps its JSON.
    pub async fn get_or_load_json<T, E, F, Fut>(&self, view: &View, load: F) -> Result<serde_json::Value, E>
    where
        T: Serialize,
        E: Send + Sync + 'static,
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        self.get_or_load(view, || async {
            // Only a map with keys that are not text fails to convert; no view has one.
            load().await.map(|value| serde_json::to_value(value).unwrap_or(serde_json::Value::Null))
        })
        .await
    }

    /// `invalidate` for several stores at once, concurrently (one round trip of latency).
    pub async fn invalidate_each(&self, changes: &[(StoreName, Vec<String>)]) {
        futures_util::future::join_all(changes.iter().map(|(store, tags)| self.invalidate(*store, tags))).await;
    }

    /// Drops this instance's copies of every store (a clear from this instance).
    pub async fn forget_instance(&self) {
        for tiers in self.stores.values() {
            tiers.l1.invalidate_all();
            tiers.l1.run_pending_tasks().await;
        }
    }

    /// The statistics to the hourly counters when due (or now, with `force`), unless the default store's Redis
    /// (where the counters live by default) is being left alone.
    async fn flush_if_due(&self, force: bool) {
        let Some(tiers) = self.stores.get(&StoreName::Default) else { return };
        if self.left_alone(tiers) {
            return;
        }
        if let Err(error) = self.stats.flush(&*self.counters, self.clock.now(), force).await {
            self.redis_failed(tiers, StoreName::Default, &error);
        }
    }

    /// Flushes the statistics now (the admin overview reads what this instance has counted too).
    pub async fn flush_stats(&self) {
        for (name, tiers) in &self.stores {
            tiers.l1.run_pending_tasks().await;
            self.stats.raise(*name, Metric::L1EntriesPeak, tiers.l1.entry_count());
            self.stats.raise(*name, Metric::L1BytesPeak, tiers.l1.weighted_size());
        }
        self.flush_if_due(true).await;
    }
}

#[cfg(test)]
mod tests {
    use super::xfetch;

    #[test]
    fn xfetch_refreshes_more_often_as_the_expiry_nears_and_the_load_is_slower() {
        let expires = 1_000_000;
        let share = |now: i64, load_ms: u64| {
            (1..=1000).filter(|i| xfetch(now, expires, load_ms, f64::from(*i) / 1000.0)).count() as f64 / 1000.0
        };
        // The chance is exp(-(expiry - now) / δ) for a uniform draw.
        assert!((share(expires - 100, 100) - (-1.0f64).exp()).abs() < 0.01);
        assert!(share(expires - 10, 100) > 0.9, "just before the expiry, nearly every reader refreshes");
        assert!(share(expires - 100_000, 100) == 0.0, "far from it, none");
        assert_eq!(share(expires - 1, 0), 0.0, "a value that cost nothing is left to expire");
        assert_eq!(share(expires, 0), 1.0, "at the expiry, every reader");
        assert!(share(expires - 1_000, 1_000) > share(expires - 1_000, 100), "slower loads refresh earlier");
    }
}
