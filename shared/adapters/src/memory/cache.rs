use async_trait::async_trait;
use chrono::{DateTime, Utc};
use proxy_core::clock::Clock;
use proxy_core::error::{Backend, PortError, PortResult};
use proxy_core::ports::{Cache, CounterChange, CounterUpdate};
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

struct Entry {
    value: String,
    expires_at: Option<DateTime<Utc>>,
}

/// The in-memory cache. Expiry follows the injected clock (moka's own timer could not be moved by tests).
pub struct MemoryCache {
    clock: Arc<dyn Clock>,
    entries: Mutex<HashMap<String, Entry>>,
    /// When expired entries were last dropped all at once (seconds since the epoch, by the clock).
    last_sweep: AtomicI64,
}

impl MemoryCache {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self { clock, entries: Mutex::new(HashMap::new()), last_sweep: AtomicI64::new(0) }
    }

    fn expiry(&self, ttl: Option<Duration>) -> Option<DateTime<Utc>> {
        ttl.map(|t| self.clock.now() + chrono::Duration::from_std(t).unwrap_or(chrono::Duration::MAX))
    }

    /// Runs `f` on the live entries: expired ones are dropped first, as Redis would have.
    fn with_live<T>(&self, key: &str, f: impl FnOnce(&mut HashMap<String, Entry>) -> T) -> T {
        let now = self.clock.now();
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.get(key).is_some_and(|e| e.expires_at.is_some_and(|at| at <= now)) {
            entries.remove(key);
        }
        f(&mut entries)
    }
}

/// A sorted set kept as its members' scores, as JSON in the entry's value.
fn sorted_members(entry: Option<&Entry>) -> std::collections::BTreeMap<String, i64> {
    entry.and_then(|e| serde_json::from_str(&e.value).ok()).unwrap_or_default()
}

#[async_trait]
impl Cache for MemoryCache {
    async fn sorted_put(&self, key: &str, member: &str, score: i64, keep: Duration) -> PortResult<()> {
        let expires_at = self.expiry(Some(keep));
        let oldest = score - keep.as_secs().max(1) as i64;
        self.with_live(key, |e| {
            let mut members = sorted_members(e.get(key));
            members.insert(member.to_owned(), score);
            members.retain(|_, s| *s >= oldest);
            let value = serde_json::to_string(&members).unwrap_or_default();
            e.insert(key.to_owned(), Entry { value, expires_at });
        });
        Ok(())
    }

    async fn sorted_since(&self, key: &str, min_score: i64, limit: usize) -> PortResult<Vec<(String, i64)>> {
        let mut members: Vec<(String, i64)> =
            self.with_live(key, |e| sorted_members(e.get(key))).into_iter().filter(|(_, s)| *s >= min_score).collect();
        members.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| b.0.cmp(&a.0)));
        members.truncate(limit);
        Ok(members)
    }

    async fn get(&self, key: &str) -> PortResult<Option<String>> {
        Ok(self.with_live(key, |e| e.get(key).map(|e| e.value.clone())))
    }

    async fn set(&self, key: &str, value: &str, ttl: Option<Duration>) -> PortResult<()> {
        let expires_at = self.expiry(ttl);
        self.with_live(key, |e| e.insert(key.to_owned(), Entry { value: value.to_owned(), expires_at }));
        Ok(())
    }

    async fn set_if_absent(&self, key: &str, value: &str, ttl: Duration) -> PortResult<bool> {
        let expires_at = self.expiry(Some(ttl));
        Ok(self.with_live(key, |e| {
            if e.contains_key(key) {
                return false;
            }
            e.insert(key.to_owned(), Entry { value: value.to_owned(), expires_at });
            true
        }))
    }

    async fn delete(&self, key: &str) -> PortResult<()> {
        self.with_live(key, |e| e.remove(key));
        Ok(())
    }

    async fn delete_if(&self, key: &str, expected: &str) -> PortResult<bool> {
        Ok(self.with_live(key, |e| match e.get(key) {
            Some(entry) if entry.value == expected => e.remove(key).is_some(),
            _ => false,
        }))
    }

    async fn incr(&self, key: &str, by: i64, ttl: Option<Duration>) -> PortResult<i64> {
        let expires_at = self.expiry(ttl);
        self.with_live(key, |e| {
            let entry = e.entry(key.to_owned()).or_insert(Entry { value: "0".into(), expires_at });
            let current: i64 = entry.value.parse().map_err(|_| PortError::Invalid {
                backend: Backend::Cache,
                detail: format!("value of {key} is not an integer"),
            })?;
            let next = current + by;
            entry.value = next.to_string();
            Ok(next)
        })
    }

    async fn update_counters(&self, updates: &[CounterUpdate]) -> PortResult<()> {
        let now = self.clock.now();
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        // Counters are written in time buckets nobody reads back one by one: drop what has expired (once a
        // minute), as Redis would, so a long local run keeps a bounded map.
        if now.timestamp() - self.last_sweep.load(Ordering::Relaxed) >= 60 {
            self.last_sweep.store(now.timestamp(), Ordering::Relaxed);
            entries.retain(|_, e| e.expires_at.is_none_or(|at| at > now));
        }
        for update in updates {
            // An expired counter starts again, as in Redis, even before the sweep drops it.
            if entries.get(&update.key).is_some_and(|e| e.expires_at.is_some_and(|at| at <= now)) {
                entries.remove(&update.key);
            }
            let expires_at = self.expiry(Some(update.ttl));
            let entry = entries.entry(update.key.clone()).or_insert(Entry { value: String::new(), expires_at });
            entry.expires_at = entry.expires_at.or(expires_at);
            // A distinct counter is its members, exactly (local runs and tests count few of them).
            if let CounterChange::Distinct(member) = update.change {
                let member = member.to_string();
                if !entry.value.split(',').any(|m| m == member) {
                    if !entry.value.is_empty() {
                        entry.value.push(',');
                    }
                    entry.value.push_str(&member);
                }
                continue;
            }
            let current: Option<i64> = if entry.value.is_empty() {
                None
            } else {
                Some(entry.value.parse().map_err(|_| PortError::Invalid {
                    backend: Backend::Cache,
                    detail: format!("value of {} is not an integer", update.key),
                })?)
            };
            let next = match update.change {
                CounterChange::Add(by) => current.unwrap_or(0) + by,
                CounterChange::Max(value) => current.map_or(value, |c| c.max(value)),
                CounterChange::Distinct(_) => continue,
            };
            entry.value = next.to_string();
        }
        Ok(())
    }

    async fn get_many(&self, keys: &[String]) -> PortResult<Vec<Option<String>>> {
        let now = self.clock.now();
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        Ok(keys
            .iter()
            .map(|key| entries.get(key).filter(|e| e.expires_at.is_none_or(|at| at > now)).map(|e| e.value.clone()))
            .collect())
    }

    async fn count_distinct(&self, keys: &[String]) -> PortResult<u64> {
        let now = self.clock.now();
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let members: std::collections::HashSet<&str> = keys
            .iter()
            .filter_map(|key| entries.get(key).filter(|e| e.expires_at.is_none_or(|at| at > now)))
            .flat_map(|e| e.value.split(',').filter(|m| !m.is_empty()))
            .collect();
        Ok(members.len() as u64)
    }

    async fn ttl(&self, key: &str) -> PortResult<Option<Duration>> {
        let now = self.clock.now();
        Ok(self.with_live(key, |e| e.get(key).and_then(|e| e.expires_at).and_then(|at| (at - now).to_std().ok())))
    }

    async fn ping(&self) -> PortResult<()> {
        Ok(())
    }
}
