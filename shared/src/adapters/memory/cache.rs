use crate::clock::Clock;
use crate::error::{Backend, PortError, PortResult};
use crate::ports::Cache;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
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
}

impl MemoryCache {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self { clock, entries: Mutex::new(HashMap::new()) }
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

#[async_trait]
impl Cache for MemoryCache {
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

    async fn ttl(&self, key: &str) -> PortResult<Option<Duration>> {
        let now = self.clock.now();
        Ok(self.with_live(key, |e| e.get(key).and_then(|e| e.expires_at).and_then(|at| (at - now).to_std().ok())))
    }

    async fn ping(&self) -> PortResult<()> {
        Ok(())
    }
}
