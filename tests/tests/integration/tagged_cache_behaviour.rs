//! The tagged cache port's behaviour on both adapters: in-memory and Redis.

use integration_tests::{Backend, manual_clock, redis_cache};
use shared::adapters::memory::{MemoryCache, MemoryTaggedCache};
use shared::clock::ManualClock;
use shared::ports::{Cache, TagCount, TaggedCache};
use std::sync::Arc;
use std::time::Duration;

struct Harness {
    /// The store under test, `default`.
    store: Arc<dyn TaggedCache>,
    /// Another store on the same server (`analytics`), and the plain cache port under the same prefix: neither
    /// may be touched by the first store's clear.
    neighbour: Arc<dyn TaggedCache>,
    plain: Arc<dyn Cache>,
    clock: Arc<ManualClock>,
    backend: Backend,
}

impl Harness {
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
        store: Arc::new(MemoryTaggedCache::new(clock.clone())),
        neighbour: Arc::new(MemoryTaggedCache::new(clock.clone())),
        plain: Arc::new(MemoryCache::new(clock.clone())),
        clock,
        backend: Backend::Memory,
    }
}

async fn redis() -> Harness {
    let clock = manual_clock();
    let cache = redis_cache(clock.clone()).await;
    Harness {
        store: Arc::new(cache.tagged("default")),
        neighbour: Arc::new(cache.tagged("analytics")),
        plain: Arc::new(cache),
        clock,
        backend: Backend::Aws,
    }
}

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod memory { $(#[tokio::test] async fn $name() { super::$name(super::memory().await).await })* }
        mod redis { $(#[tokio::test] async fn $name() { super::$name(super::redis().await).await })* }
    };
}

on_both_backends!(
    a_value_is_read_back_until_its_ttl_ends,
    a_write_is_refused_when_a_tag_was_invalidated_after_the_read,
    invalidating_a_tag_removes_exactly_its_keys,
    clear_removes_this_stores_keys_and_nothing_else,
    tags_are_counted_and_pruned_of_expired_keys,
    the_server_describes_itself,
    a_load_racing_invalidations_never_leaves_a_value_older_than_the_last_one,
);

fn tags(names: &[&str]) -> Vec<String> {
    names.iter().map(|t| (*t).to_owned()).collect()
}

const MINUTE: Duration = Duration::from_secs(60);

async fn a_value_is_read_back_until_its_ttl_ends(h: Harness) {
    let read = h.store.read("overview", &tags(&["pricing"])).await.unwrap();
    assert_eq!(read.value, None);
    assert_eq!(read.generations, vec![0], "a tag never invalidated is at generation 0");
    assert!(h.store.write("overview", r#"{"a":1}"#, Duration::from_secs(1), &tags(&["pricing"]), &[0]).await.unwrap());
    assert!(h.store.write("untagged", "1", MINUTE, &[], &[]).await.unwrap());
    let read = h.store.read("overview", &tags(&["pricing"])).await.unwrap();
    assert_eq!(read.value.as_deref(), Some(r#"{"a":1}"#));
    assert_eq!(h.store.key_count().await.unwrap(), 2);
    h.pass(Duration::from_millis(1100)).await;
    assert_eq!(h.store.read("overview", &[]).await.unwrap().value, None, "expired after its TTL");
    assert_eq!(h.store.read("untagged", &[]).await.unwrap().value.as_deref(), Some("1"));
    assert_eq!(h.store.key_count().await.unwrap(), 1);
    // A generation is needed for each tag.
    assert!(h.store.write("k", "v", MINUTE, &tags(&["a", "b"]), &[0]).await.is_err());
}

async fn a_write_is_refused_when_a_tag_was_invalidated_after_the_read(h: Harness) {
    let view_tags = tags(&["customer:c1", "inventory"]);
    let before = h.store.read("wallet:c1", &view_tags).await.unwrap();
    // A write elsewhere changes the data and invalidates one of the view's tags while this load runs.
    assert_eq!(h.store.invalidate(&tags(&["inventory"])).await.unwrap(), 0);
    let stored = h.store.write("wallet:c1", "old", MINUTE, &view_tags, &before.generations).await.unwrap();
    assert!(!stored, "the load read the data before the write: storing it would serve it for its whole TTL");
    assert_eq!(h.store.read("wallet:c1", &view_tags).await.unwrap().value, None);
    // The next load, after the invalidation, stores.
    let after = h.store.read("wallet:c1", &view_tags).await.unwrap();
    assert_eq!(after.generations, vec![0, 1]);
    assert!(h.store.write("wallet:c1", "new", MINUTE, &view_tags, &after.generations).await.unwrap());
    assert_eq!(h.store.read("wallet:c1", &[]).await.unwrap().value.as_deref(), Some("new"));
}

async fn invalidating_a_tag_removes_exactly_its_keys(h: Harness) {
    for (key, key_tags) in [
        ("orders:c1", tags(&["customer:c1"])),
        ("wallet:c1", tags(&["customer:c1"])),
        ("orders:c2", tags(&["customer:c2"])),
        ("inventory", tags(&["inventory", "server:s1"])),
        ("pricing", tags(&["pricing"])),
    ] {
        let generations = vec![0; key_tags.len()];
        assert!(h.store.write(key, "v", MINUTE, &key_tags, &generations).await.unwrap());
    }
    assert_eq!(h.store.invalidate(&tags(&["customer:c1"])).await.unwrap(), 2);
    assert_eq!(h.store.invalidate(&tags(&["customer:c1"])).await.unwrap(), 0, "nothing left under the tag");
    assert_eq!(h.store.invalidate(&tags(&["server:s1", "pricing"])).await.unwrap(), 2);
    for (key, kept) in
        [("orders:c1", false), ("wallet:c1", false), ("orders:c2", true), ("inventory", false), ("pricing", false)]
    {
        assert_eq!(h.store.read(key, &[]).await.unwrap().value.is_some(), kept, "{key}");
    }
    // The inventory key was also filed under `inventory`: invalidating that now removes nothing.
    assert_eq!(h.store.invalidate(&tags(&["inventory"])).await.unwrap(), 0);
    assert_eq!(h.store.invalidate(&[]).await.unwrap(), 0);
}

async fn clear_removes_this_stores_keys_and_nothing_else(h: Harness) {
    for i in 0..1200 {
        let key = format!("view:{i}");
        assert!(h.store.write(&key, "v", MINUTE, &tags(&[&format!("customer:{}", i % 7)]), &[0]).await.unwrap());
    }
    assert!(h.neighbour.write("summary", "v", MINUTE, &tags(&["analytics"]), &[0]).await.unwrap());
    h.plain.set("rate:limit", "1", None).await.unwrap();
    assert_eq!(h.store.key_count().await.unwrap(), 1200);
    assert_eq!(h.store.clear().await.unwrap(), 1200, "every value (tag sets and generations are not counted)");
    assert_eq!(h.store.key_count().await.unwrap(), 0);
    assert_eq!(h.store.tags(10).await.unwrap(), vec![]);
    assert_eq!(h.neighbour.read("summary", &[]).await.unwrap().value.as_deref(), Some("v"), "another store");
    assert_eq!(h.plain.get("rate:limit").await.unwrap().as_deref(), Some("1"), "a key outside the cache stores");
    assert_eq!(h.store.clear().await.unwrap(), 0);
}

async fn tags_are_counted_and_pruned_of_expired_keys(h: Harness) {
    assert!(
        h.store.write("short", "v", Duration::from_secs(1), &tags(&["pricing", "inventory"]), &[0, 0]).await.unwrap()
    );
    assert!(h.store.write("long:1", "v", MINUTE, &tags(&["inventory"]), &[0]).await.unwrap());
    assert!(h.store.write("long:2", "v", MINUTE, &tags(&["inventory"]), &[0]).await.unwrap());
    assert_eq!(
        h.store.tags(10).await.unwrap(),
        vec![TagCount { tag: "inventory".into(), keys: 3 }, TagCount { tag: "pricing".into(), keys: 1 }]
    );
    h.pass(Duration::from_millis(1100)).await;
    // `short` expired: `pricing` has no key left and `inventory` two.
    assert_eq!(h.store.tags(10).await.unwrap(), vec![TagCount { tag: "inventory".into(), keys: 2 }]);
    assert_eq!(h.store.tags(0).await.unwrap(), vec![], "the list is bounded");
}

async fn the_server_describes_itself(h: Harness) {
    let info = h.store.server_info().await.unwrap();
    match h.backend {
        Backend::Memory => assert_eq!(info.version, "memory"),
        Backend::Aws => {
            assert!(info.version.starts_with("redis ") || info.version.starts_with("valkey "), "{}", info.version);
            assert_eq!(info.mode, "standalone");
            assert!(info.used_memory_bytes.unwrap() > 0);
            assert!(info.maxmemory_policy.is_some());
            assert!(info.connected_clients.unwrap() >= 1);
        }
    }
}

/// Loads (read the generation, then write) race invalidations that each follow a change of the source: once
/// they settle, the cached value is either absent or the last one written.
async fn a_load_racing_invalidations_never_leaves_a_value_older_than_the_last_one(h: Harness) {
    let source = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let view_tags = tags(&["pricing"]);
    // Loads and changes take different numbers of turns between their steps, so that on the in-memory twin
    // (whose calls never wait) changes still fall between loads' reads and writes, and some loads write after
    // the invalidation that followed their read.
    let turns = |n: usize| async move {
        for _ in 0..n {
            tokio::task::yield_now().await;
        }
    };
    let loads = (0..40).map(|i| {
        let (store, source, view_tags) = (h.store.clone(), source.clone(), view_tags.clone());
        async move {
            turns(i % 3).await;
            let read = store.read("overview", &view_tags).await.unwrap();
            let value = source.load(std::sync::atomic::Ordering::SeqCst).to_string();
            turns(i % 7 + 1).await;
            store.write("overview", &value, MINUTE, &view_tags, &read.generations).await.unwrap();
        }
    });
    let changes = (0..10).map(|i| {
        let (store, source, view_tags) = (h.store.clone(), source.clone(), view_tags.clone());
        async move {
            turns(i % 4).await;
            source.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            turns(1).await;
            store.invalidate(&view_tags).await.unwrap();
        }
    });
    let (loads, changes) =
        (tokio::spawn(futures_util::future::join_all(loads)), tokio::spawn(futures_util::future::join_all(changes)));
    loads.await.unwrap();
    changes.await.unwrap();
    let cached = h.store.read("overview", &[]).await.unwrap().value;
    assert!(cached.is_none() || cached.as_deref() == Some("10"), "a stale value survived: {cached:?}");
}
