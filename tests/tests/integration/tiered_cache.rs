//! The two-tier cache of views (`services::cache::TieredCache`) on both backends: instance tiers of two
//! simulated function instances over the in-memory twin or the test Redis.

use integration_tests::{CacheOutage, cuttable_redis_cache, manual_clock};
use shared::adapters::memory::{MemoryCache, MemoryTaggedCache};
use shared::clock::ManualClock;
use shared::domain::CustomerId;
use shared::ports::{Cache, TaggedCache};
use shared::services::cache::stats::Metric;
use shared::services::cache::{StoreName, TieredCache, View, tags};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

struct Harness {
    clock: Arc<ManualClock>,
    stores: Vec<(StoreName, Arc<dyn TaggedCache>)>,
    counters: Arc<dyn Cache>,
    /// Stops the shared tier: the in-memory twin's switch, or the link to Redis.
    outage: CacheOutage,
}

impl Harness {
    /// A function instance: its own L1 over the shared stores.
    fn instance(&self) -> TieredCache {
        TieredCache::new(self.clock.clone(), self.stores.clone(), self.counters.clone())
    }

    fn stop_shared_tier(&self) {
        self.outage.stop();
    }

    fn restart_shared_tier(&self) {
        self.outage.restart();
    }
}

async fn memory() -> Harness {
    let clock = manual_clock();
    let twins: Vec<Arc<MemoryTaggedCache>> =
        StoreName::ALL.iter().map(|_| Arc::new(MemoryTaggedCache::new(clock.clone()))).collect();
    Harness {
        stores: StoreName::ALL.into_iter().zip(twins.iter().map(|t| t.clone() as Arc<dyn TaggedCache>)).collect(),
        counters: Arc::new(MemoryCache::new(clock.clone())),
        clock,
        outage: CacheOutage::Memory(twins),
    }
}

async fn redis() -> Harness {
    let clock = manual_clock();
    let (redis, link) = cuttable_redis_cache(clock.clone()).await;
    Harness {
        stores: StoreName::ALL
            .into_iter()
            .map(|s| (s, Arc::new(redis.tagged(s.as_str())) as Arc<dyn TaggedCache>))
            .collect(),
        counters: Arc::new(redis),
        clock,
        outage: CacheOutage::Redis(link),
    }
}

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod memory { $(#[tokio::test] async fn $name() { super::$name(super::memory().await).await })* }
        mod redis { $(#[tokio::test] async fn $name() { super::$name(super::redis().await).await })* }
    };
}

on_both_backends!(
    concurrent_misses_of_a_key_load_it_once_per_instance,
    another_instance_reads_the_shared_tier_instead_of_loading,
    an_invalidation_reaches_every_instance_on_its_next_read,
    a_hot_key_is_refreshed_early_by_one_reader,
    with_the_shared_tier_stopped_reads_still_answer_and_recover_after,
);

/// A loader that counts its calls, takes `delay`, and answers the count (so a stale answer shows).
fn counting(
    loads: &Arc<AtomicUsize>,
    delay: Duration,
) -> impl Fn() -> std::pin::Pin<Box<dyn Future<Output = Result<usize, String>> + Send>> + use<> {
    let loads = loads.clone();
    move || {
        let loads = loads.clone();
        Box::pin(async move {
            let n = loads.fetch_add(1, Ordering::SeqCst) + 1;
            tokio::time::sleep(delay).await;
            Ok(n)
        })
    }
}

async fn concurrent_misses_of_a_key_load_it_once_per_instance(h: Harness) {
    let customer = CustomerId::from("c-1");
    for view in [View::server_data("pricing:overview").tagged(tags::PRICING), View::user_data(&customer, "wallet")] {
        let instance = h.instance();
        let loads = Arc::new(AtomicUsize::new(0));
        let load = counting(&loads, Duration::from_millis(50));
        let reads = (0..20).map(|_| instance.get_or_load(&view, &load));
        let answers: Vec<Result<usize, String>> = futures_util::future::join_all(reads).await;
        assert!(answers.iter().all(|a| a == &Ok(1)), "{:?}: {answers:?}", view.store);
        assert_eq!(loads.load(Ordering::SeqCst), 1, "{:?}: twenty concurrent misses, one load", view.store);
    }
}

async fn another_instance_reads_the_shared_tier_instead_of_loading(h: Harness) {
    let (a, b) = (h.instance(), h.instance());
    let view = View::server_data("inventory:overview").tagged(tags::INVENTORY);
    let loads = Arc::new(AtomicUsize::new(0));
    let load = counting(&loads, Duration::ZERO);
    assert_eq!(a.get_or_load(&view, &load).await, Ok(1));
    assert_eq!(a.get_or_load(&view, &load).await, Ok(1), "from A's own tier");
    assert_eq!(b.get_or_load(&view, &load).await, Ok(1), "from Redis");
    assert_eq!(loads.load(Ordering::SeqCst), 1);
    assert_eq!(a.stats().pending(StoreName::Default, Metric::L1Hits), 1);
    assert_eq!(b.stats().pending(StoreName::Default, Metric::L2Hits), 1);
}

async fn an_invalidation_reaches_every_instance_on_its_next_read(h: Harness) {
    let (a, b) = (h.instance(), h.instance());
    let overview = View::server_data("pricing:overview").tagged(tags::PRICING);
    let loads = Arc::new(AtomicUsize::new(0));
    let load = counting(&loads, Duration::ZERO);
    assert_eq!(a.get_or_load(&overview, &load).await, Ok(1));
    assert_eq!(b.get_or_load(&overview, &load).await, Ok(1));
    assert_eq!(a.get_or_load(&overview, &load).await, Ok(1), "A's own copy, its tag unchanged");
    // B writes the pricing rules and invalidates the tag: B sees the change on its next read, and so does A,
    // whose own copy no longer matches the tag's generation.
    b.invalidate(StoreName::Default, &[tags::PRICING.to_owned()]).await;
    assert_eq!(b.get_or_load(&overview, &load).await, Ok(2));
    assert_eq!(a.get_or_load(&overview, &load).await, Ok(2));
    assert_eq!(a.stats().pending(StoreName::Default, Metric::L1Hits), 1);

    // A customer's data has no instance tier: a write through any instance shows on the next read anywhere.
    let customer = CustomerId::from("c-7");
    let wallet = View::user_data(&customer, "wallet");
    let loads = Arc::new(AtomicUsize::new(0));
    let load = counting(&loads, Duration::ZERO);
    assert_eq!(a.get_or_load(&wallet, &load).await, Ok(1));
    assert_eq!(a.get_or_load(&wallet, &load).await, Ok(1), "from Redis");
    b.invalidate(StoreName::Sessions, &[tags::customer(&customer)]).await;
    assert_eq!(a.get_or_load(&wallet, &load).await, Ok(2));
}

async fn a_hot_key_is_refreshed_early_by_one_reader(h: Harness) {
    let view = View::analytics_data("summary:today");
    let loads = Arc::new(AtomicUsize::new(0));
    let load = counting(&loads, Duration::from_millis(30));
    assert_eq!(h.instance().get_or_load(&view, &load).await, Ok(1));
    // Ten seconds before the expiry: with a 30 ms load, XFetch refreshes for draws below exp(-10 s / 30 ms).
    let ttl = chrono::Duration::from_std(view.ttl).unwrap();
    h.clock.advance(ttl - chrono::Duration::seconds(10));
    // A reader whose draw says "refresh" (the smallest draw: the earliest refresh) recomputes before the expiry,
    // and stores the new value for the others...
    let unlucky = h.instance().with_random(|| f64::MIN_POSITIVE);
    assert_eq!(unlucky.get_or_load(&view, &load).await, Ok(2));
    assert_eq!(unlucky.stats().pending(StoreName::Analytics, Metric::EarlyRefreshes), 1);
    // ...who read it without loading, as long as their draws do not say so.
    let others = h.instance().with_random(|| 1.0);
    assert_eq!(others.get_or_load(&view, &load).await, Ok(2));
    assert_eq!(loads.load(Ordering::SeqCst), 2);
}

async fn with_the_shared_tier_stopped_reads_still_answer_and_recover_after(h: Harness) {
    let instance = h.instance();
    let customer = CustomerId::from("c-9");
    let wallet = View::user_data(&customer, "wallet");
    let loads = Arc::new(AtomicUsize::new(0));
    let load = counting(&loads, Duration::ZERO);
    assert_eq!(instance.get_or_load(&wallet, &load).await, Ok(1));
    h.stop_shared_tier();
    // Every read falls through to the source; nothing fails. A write's invalidation cannot be made: it is owed.
    assert_eq!(instance.get_or_load(&wallet, &load).await, Ok(2));
    instance.invalidate(StoreName::Sessions, &[tags::customer(&customer)]).await;
    assert_eq!(instance.get_or_load(&wallet, &load).await, Ok(3));
    assert!(instance.stats().pending(StoreName::Sessions, Metric::L2Errors) >= 1, "the statistics say so");
    h.restart_shared_tier();
    // Back (once Redis has been left alone for a while): the owed invalidation is made first, so the value
    // cached before the outage is never served again; then reads are cached again.
    let mut answers = Vec::new();
    for _ in 0..30 {
        h.clock.advance(shared::services::cache::tiered::BREAK_FOR + chrono::Duration::seconds(1));
        let loads_before = loads.load(Ordering::SeqCst);
        let first = instance.get_or_load(&wallet, &load).await.unwrap();
        let second = instance.get_or_load(&wallet, &load).await.unwrap();
        answers.extend([first, second]);
        if second == first && loads.load(Ordering::SeqCst) == loads_before + 1 {
            break;
        }
        // The client reconnects on a later command after the outage; give it a moment.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(answers.iter().all(|a| *a > 3), "a value from before the outage was served: {answers:?}");
    let (last, before_last) = (answers[answers.len() - 1], answers[answers.len() - 2]);
    assert_eq!(last, before_last, "served from Redis again: {answers:?}");
}
