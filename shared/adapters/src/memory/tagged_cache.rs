//! `TaggedCache` in memory, shared by the simulated instances of a test or the local run. Expiry follows the
//! injected clock. `set_available(false)` makes every call fail as a stopped Redis would, so the failure paths
//! run on this backend too.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use proxy_core::clock::Clock;
use proxy_core::error::{Backend, PortError, PortResult};
use proxy_core::ports::tagged_cache::{MAX_TTL, TAGS_SCANNED};
use proxy_core::ports::{CacheServerInfo, TagCount, TagPrune, TaggedCache, TaggedRead};
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Default)]
struct State {
    values: HashMap<String, (String, DateTime<Utc>)>,
    tags: HashMap<String, BTreeSet<String>>,
    generations: HashMap<String, u64>,
}

impl State {
    fn live(&self, key: &str, now: DateTime<Utc>) -> Option<&String> {
        self.values.get(key).filter(|(_, until)| *until > now).map(|(value, _)| value)
    }
}

pub struct MemoryTaggedCache {
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
    available: AtomicBool,
}

impl MemoryTaggedCache {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self { clock, state: Mutex::new(State::default()), available: AtomicBool::new(true) }
    }

    /// Makes the store answer (true) or fail every call as unreachable (false).
    pub fn set_available(&self, available: bool) {
        self.available.store(available, Ordering::SeqCst);
    }

    fn state(&self) -> PortResult<std::sync::MutexGuard<'_, State>> {
        if !self.available.load(Ordering::SeqCst) {
            return Err(PortError::unavailable(Backend::Cache, "connection refused"));
        }
        Ok(self.state.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

#[async_trait]
impl TaggedCache for MemoryTaggedCache {
    async fn read(&self, key: &str, tags: &[String]) -> PortResult<TaggedRead> {
        let now = self.clock.now();
        let state = self.state()?;
        Ok(TaggedRead {
            value: state.live(key, now).cloned(),
            generations: tags.iter().map(|t| state.generations.get(t).copied().unwrap_or(0)).collect(),
        })
    }

    async fn generations(&self, tags: &[String]) -> PortResult<Vec<u64>> {
        let state = self.state()?;
        Ok(tags.iter().map(|t| state.generations.get(t).copied().unwrap_or(0)).collect())
    }

    async fn write(
        &self,
        key: &str,
        value: &str,
        ttl: Duration,
        tags: &[String],
        generations: &[u64],
    ) -> PortResult<bool> {
        if generations.len() != tags.len() {
            return Err(PortError::corrupt(Backend::Cache, "a generation is needed for each tag"));
        }
        let now = self.clock.now();
        let mut state = self.state()?;
        let moved = tags.iter().zip(generations).any(|(t, g)| state.generations.get(t).copied().unwrap_or(0) != *g);
        if moved {
            return Ok(false);
        }
        let ttl = chrono::Duration::from_std(ttl.min(MAX_TTL).max(Duration::from_secs(1))).unwrap_or_default();
        state.values.insert(key.to_owned(), (value.to_owned(), now + ttl));
        for tag in tags {
            state.tags.entry(tag.clone()).or_default().insert(key.to_owned());
        }
        Ok(true)
    }

    async fn invalidate(&self, tags: &[String]) -> PortResult<u64> {
        let now = self.clock.now();
        let mut state = self.state()?;
        let mut removed = 0;
        for tag in tags {
            *state.generations.entry(tag.clone()).or_default() += 1;
            for key in state.tags.remove(tag).unwrap_or_default() {
                if let Some((_, until)) = state.values.remove(&key) {
                    removed += u64::from(until > now);
                }
            }
        }
        Ok(removed)
    }

    async fn clear(&self) -> PortResult<u64> {
        let now = self.clock.now();
        let mut state = self.state()?;
        let removed = state.values.values().filter(|(_, until)| *until > now).count() as u64;
        state.values.clear();
        state.tags.clear();
        Ok(removed)
    }

    async fn tags(&self, limit: usize) -> PortResult<Vec<TagCount>> {
        let now = self.clock.now();
        let mut state = self.state()?;
        let State { values, tags, .. } = &mut *state;
        for keys in tags.values_mut() {
            keys.retain(|k| values.get(k).is_some_and(|(_, until)| *until > now));
        }
        tags.retain(|_, keys| !keys.is_empty());
        let mut counts: Vec<TagCount> = tags
            .iter()
            .take(TAGS_SCANNED)
            .map(|(tag, keys)| TagCount { tag: tag.clone(), keys: keys.len() as u64 })
            .collect();
        counts.sort_by(|a, b| b.keys.cmp(&a.keys).then_with(|| a.tag.cmp(&b.tag)));
        counts.truncate(limit);
        Ok(counts)
    }

    async fn prune_tags(&self) -> PortResult<TagPrune> {
        let now = self.clock.now();
        let mut state = self.state()?;
        let State { values, tags, .. } = &mut *state;
        let mut pruned = TagPrune { sets_scanned: tags.len() as u64, ..TagPrune::default() };
        for keys in tags.values_mut() {
            let before = keys.len();
            keys.retain(|k| values.get(k).is_some_and(|(_, until)| *until > now));
            pruned.members_dropped += (before - keys.len()) as u64;
        }
        let before = tags.len();
        tags.retain(|_, keys| !keys.is_empty());
        pruned.sets_removed = (before - tags.len()) as u64;
        Ok(pruned)
    }

    async fn key_count(&self) -> PortResult<u64> {
        let now = self.clock.now();
        Ok(self.state()?.values.values().filter(|(_, until)| *until > now).count() as u64)
    }

    async fn server_info(&self) -> PortResult<CacheServerInfo> {
        let state = self.state()?;
        let bytes: usize = state.values.iter().map(|(k, (v, _))| k.len() + v.len()).sum();
        Ok(CacheServerInfo {
            version: "memory".into(),
            mode: "standalone".into(),
            used_memory_bytes: Some(bytes as u64),
            maxmemory_bytes: Some(0),
            ..CacheServerInfo::default()
        })
    }
}
