//! The cache port's behaviour on both adapters: in-memory and Redis.

use integration_tests::{Backend, manual_clock, redis_cache};
use shared::clock::ManualClock;
use shared::ports::{Cache, CounterChange, CounterUpdate};
use std::sync::Arc;
use std::time::Duration;

struct Harness {
    cache: Arc<dyn Cache>,
    clock: Arc<ManualClock>,
    backend: Backend,
}

impl Harness {
    /// Redis keeps its own time; the in-memory cache follows the manual clock.
    async fn pass(&self, by: Duration) {
        self.clock.advance(chrono::Duration::from_std(by).unwrap());
        if self.backend == Backend::Aws {
            tokio::time::sleep(by).await;
        }
    }
}

async fn memory() -> Harness {
    let clock = manual_clock();
    Harness {
        cache: Arc::new(shared::adapters::memory::MemoryCache::new(clock.clone())),
        clock,
        backend: Backend::Memory,
    }
}

async fn redis() -> Harness {
    let clock = manual_clock();
    Harness { cache: Arc::new(redis_cache(clock.clone()).await), clock, backend: Backend::Aws }
}

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod memory { $(#[tokio::test] async fn $name() { super::$name(super::memory().await).await })* }
        mod redis { $(#[tokio::test] async fn $name() { super::$name(super::redis().await).await })* }
    };
}

on_both_backends!(
    set_get_delete,
    delete_if_deletes_only_the_expected_value,
    values_expire_after_their_ttl,
    set_if_absent_lets_one_writer_win,
    incr_is_atomic_and_starts_its_window_once,
    counter_updates_add_raise_and_keep_their_first_expiry,
    concurrent_counter_updates_are_not_lost,
    distinct_counters_count_each_member_once_across_keys,
    a_sorted_set_keeps_each_members_latest_score_and_drops_the_stale,
);

async fn a_sorted_set_keeps_each_members_latest_score_and_drops_the_stale(h: Harness) {
    let keep = Duration::from_secs(600);
    assert!(h.cache.sorted_since("seen", 0, 10).await.unwrap().is_empty(), "a missing set has no members");
    h.cache.sorted_put("seen", "ann", 1_000, keep).await.unwrap();
    h.cache.sorted_put("seen", "bo", 1_100, keep).await.unwrap();
    h.cache.sorted_put("seen", "ann", 1_200, keep).await.unwrap();
    let all = h.cache.sorted_since("seen", 0, 10).await.unwrap();
    assert_eq!(all, [("ann".to_owned(), 1_200), ("bo".to_owned(), 1_100)], "one entry per member, highest first");
    assert_eq!(h.cache.sorted_since("seen", 1_150, 10).await.unwrap(), [("ann".to_owned(), 1_200)]);
    assert_eq!(h.cache.sorted_since("seen", 0, 1).await.unwrap().len(), 1, "at most the limit");
    // A write 10 minutes on drops the members last scored more than `keep` before it.
    h.cache.sorted_put("seen", "cy", 1_750, keep).await.unwrap();
    let left: Vec<String> = h.cache.sorted_since("seen", 0, 10).await.unwrap().into_iter().map(|(m, _)| m).collect();
    assert_eq!(left, ["cy", "ann"], "bo (1,100) is over 600 s before 1,750");
    let ttl = h.cache.ttl("seen").await.unwrap().expect("the set expires");
    assert!(ttl <= keep && ttl > Duration::from_secs(590), "{ttl:?}");
}

async fn set_get_delete(h: Harness) {
    h.cache.ping().await.unwrap();
    assert_eq!(h.cache.get("k").await.unwrap(), None);
    h.cache.set("k", r#"{"a":1}"#, None).await.unwrap();
    assert_eq!(h.cache.get("k").await.unwrap().as_deref(), Some(r#"{"a":1}"#));
    assert_eq!(h.cache.ttl("k").await.unwrap(), None, "no expiry was set");
    h.cache.delete("k").await.unwrap();
    assert_eq!(h.cache.get("k").await.unwrap(), None);
}

async fn values_expire_after_their_ttl(h: Harness) {
    h.cache.set("short", "v", Some(Duration::from_secs(1))).await.unwrap();
    let ttl = h.cache.ttl("short").await.unwrap().expect("has an expiry");
    assert!(ttl <= Duration::from_secs(1) && ttl > Duration::ZERO, "ttl {ttl:?}");
    h.pass(Duration::from_millis(1100)).await;
    assert_eq!(h.cache.get("short").await.unwrap(), None);
}

async fn set_if_absent_lets_one_writer_win(h: Harness) {
    assert!(h.cache.set_if_absent("lock", "a", Duration::from_secs(1)).await.unwrap());
    assert!(!h.cache.set_if_absent("lock", "b", Duration::from_secs(1)).await.unwrap());
    assert_eq!(h.cache.get("lock").await.unwrap().as_deref(), Some("a"));
    h.pass(Duration::from_millis(1100)).await;
    assert!(h.cache.set_if_absent("lock", "b", Duration::from_secs(1)).await.unwrap(), "free again after expiry");
}

async fn incr_is_atomic_and_starts_its_window_once(h: Harness) {
    let tasks = (0..50).map(|_| {
        let cache = h.cache.clone();
        tokio::spawn(async move { cache.incr("hits", 1, Some(Duration::from_secs(60))).await.unwrap() })
    });
    let mut values: Vec<i64> = futures_util::future::join_all(tasks).await.into_iter().map(Result::unwrap).collect();
    values.sort_unstable();
    assert_eq!(values, (1..=50).collect::<Vec<_>>(), "each increment saw a distinct value");
    let first_ttl = h.cache.ttl("hits").await.unwrap().expect("window set");
    h.pass(Duration::from_millis(1100)).await;
    h.cache.incr("hits", 5, Some(Duration::from_secs(60))).await.unwrap();
    let later_ttl = h.cache.ttl("hits").await.unwrap().expect("window kept");
    assert!(later_ttl < first_ttl, "a later increment does not restart the window ({later_ttl:?} vs {first_ttl:?})");
    assert_eq!(h.cache.incr("hits", -55, None).await.unwrap(), 0);
}

fn add(key: &str, by: i64, ttl_secs: u64) -> CounterUpdate {
    CounterUpdate { key: key.into(), change: CounterChange::Add(by), ttl: Duration::from_secs(ttl_secs) }
}

fn max(key: &str, value: i64, ttl_secs: u64) -> CounterUpdate {
    CounterUpdate { key: key.into(), change: CounterChange::Max(value), ttl: Duration::from_secs(ttl_secs) }
}

async fn values(h: &Harness, keys: &[&str]) -> Vec<Option<i64>> {
    let keys: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
    h.cache.get_many(&keys).await.unwrap().into_iter().map(|v| v.map(|v| v.parse().unwrap())).collect()
}

async fn counter_updates_add_raise_and_keep_their_first_expiry(h: Harness) {
    h.cache.update_counters(&[]).await.unwrap();
    assert_eq!(h.cache.get_many(&[]).await.unwrap(), Vec::<Option<String>>::new());
    h.cache.update_counters(&[add("n", 2, 60), max("top", 7, 60), add("n", 3, 60), max("top", 5, 60)]).await.unwrap();
    assert_eq!(values(&h, &["n", "missing", "top"]).await, [Some(5), None, Some(7)], "in the order asked");
    let first_ttl = h.cache.ttl("top").await.unwrap().expect("a new counter gets its ttl");
    h.pass(Duration::from_millis(1100)).await;
    h.cache.update_counters(&[max("top", 9, 600), add("n", -5, 600)]).await.unwrap();
    assert_eq!(values(&h, &["n", "top"]).await, [Some(0), Some(9)]);
    let later_ttl = h.cache.ttl("top").await.unwrap().expect("kept");
    assert!(later_ttl < first_ttl, "raising a counter keeps its expiry ({later_ttl:?} vs {first_ttl:?})");
    h.cache.update_counters(&[max("brief", 1, 1)]).await.unwrap();
    h.pass(Duration::from_millis(1100)).await;
    assert_eq!(values(&h, &["brief", "n"]).await, [None, Some(0)], "a bucket expires on time");
    h.cache.update_counters(&[add("brief", 4, 60)]).await.unwrap();
    assert_eq!(values(&h, &["brief"]).await, [Some(4)], "an expired counter starts again from nothing");
    let fresh = h.cache.ttl("brief").await.unwrap().expect("with a new expiry");
    assert!(fresh > Duration::from_secs(50), "{fresh:?}");
}

async fn concurrent_counter_updates_are_not_lost(h: Harness) {
    let tasks = (1..=40).map(|i| {
        let cache = h.cache.clone();
        tokio::spawn(async move { cache.update_counters(&[add("jobs", 1, 60), max("slowest", i, 60)]).await })
    });
    for task in futures_util::future::join_all(tasks).await {
        task.unwrap().unwrap();
    }
    assert_eq!(values(&h, &["jobs", "slowest"]).await, [Some(40), Some(40)]);
}

async fn delete_if_deletes_only_the_expected_value(h: Harness) {
    assert!(!h.cache.delete_if("lock", "mine").await.unwrap(), "nothing to delete");
    assert!(h.cache.set_if_absent("lock", "theirs", Duration::from_secs(60)).await.unwrap());
    assert!(!h.cache.delete_if("lock", "mine").await.unwrap(), "another holder's");
    assert_eq!(h.cache.get("lock").await.unwrap().as_deref(), Some("theirs"));
    assert!(h.cache.delete_if("lock", "theirs").await.unwrap());
    assert_eq!(h.cache.get("lock").await.unwrap(), None);
}

/// Distinct counters (a HyperLogLog in Redis): a member counts once however often it is added and in however
/// many of the keys read together; a missing key counts none; they expire like the other counters.
async fn distinct_counters_count_each_member_once_across_keys(h: Harness) {
    let distinct = |key: &str, member: i64, ttl: u64| CounterUpdate {
        key: key.into(),
        change: CounterChange::Distinct(member),
        ttl: Duration::from_secs(ttl),
    };
    let keys = |names: &[&str]| -> Vec<String> { names.iter().map(|k| (*k).to_owned()).collect() };
    assert_eq!(h.cache.count_distinct(&keys(&["nobody"])).await.unwrap(), 0);
    h.cache
        .update_counters(&[distinct("m1", 11, 60), distinct("m1", 12, 60), distinct("m1", 11, 60), add("n", 1, 60)])
        .await
        .unwrap();
    h.cache
        .update_counters(&[distinct("m2", 12, 60), distinct("m2", -13, 60), distinct("brief", 14, 1)])
        .await
        .unwrap();
    assert_eq!(h.cache.count_distinct(&keys(&["m1"])).await.unwrap(), 2);
    assert_eq!(h.cache.count_distinct(&keys(&["m1", "m2", "missing"])).await.unwrap(), 3, "12 is in both");
    assert_eq!(h.cache.count_distinct(&keys(&["brief"])).await.unwrap(), 1);
    h.pass(Duration::from_millis(1100)).await;
    assert_eq!(h.cache.count_distinct(&keys(&["brief", "m2"])).await.unwrap(), 2, "the brief one expired");
    // A thousand members: Redis estimates (within its 0.81 % standard error), memory counts.
    let many: Vec<CounterUpdate> = (0..1000).map(|i| distinct("many", i * 7919, 60)).collect();
    h.cache.update_counters(&many).await.unwrap();
    let counted = h.cache.count_distinct(&keys(&["many"])).await.unwrap();
    assert!((975..=1025).contains(&counted), "{counted}");
}
