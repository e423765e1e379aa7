//! The pricing inputs every quote needs and that change slowly — the active rules and each plan's demand —
//! kept in the function instance for a short time, so the quote path reads neither from the store on a warm
//! instance. Expiry follows the injected clock (moka's own clock cannot be moved by tests). A rules change in
//! another instance is seen here within `RULES_TTL`.

use chrono::{DateTime, Duration, Utc};
use proxy_core::domain::PlanId;
use proxy_core::pricing::Demand;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use store::RulesVersion;

pub const RULES_TTL: Duration = Duration::seconds(30);
/// Demand is counted per day; five minutes of lag moves no price noticeably.
pub const DEMAND_TTL: Duration = Duration::minutes(5);

struct Entry<T> {
    value: T,
    until: DateTime<Utc>,
}

#[derive(Default)]
pub struct PricingCache {
    rules: Mutex<Option<Entry<Arc<RulesVersion>>>>,
    /// Bumped by `forget_rules`: rules read before a publish in this instance are not kept after it.
    rules_generation: AtomicU64,
    demand: Mutex<HashMap<PlanId, Entry<Demand>>>,
}

impl PricingCache {
    pub fn rules(&self, now: DateTime<Utc>) -> Option<Arc<RulesVersion>> {
        let slot = self.rules.lock().unwrap_or_else(|p| p.into_inner());
        slot.as_ref().filter(|e| e.until > now).map(|e| e.value.clone())
    }

    /// The generation to pass to `keep_rules` for rules about to be read from the store.
    pub fn rules_generation(&self) -> u64 {
        self.rules_generation.load(Ordering::SeqCst)
    }

    /// Keeps rules read when the generation was `generation`, unless they were forgotten since.
    pub fn keep_rules(&self, rules: Arc<RulesVersion>, generation: u64, now: DateTime<Utc>) {
        let mut slot = self.rules.lock().unwrap_or_else(|p| p.into_inner());
        if self.rules_generation.load(Ordering::SeqCst) == generation {
            *slot = Some(Entry { value: rules, until: now + RULES_TTL });
        }
    }

    pub fn forget_rules(&self) {
        let mut slot = self.rules.lock().unwrap_or_else(|p| p.into_inner());
        self.rules_generation.fetch_add(1, Ordering::SeqCst);
        *slot = None;
    }

    pub fn demand(&self, plan: &PlanId, now: DateTime<Utc>) -> Option<Demand> {
        let map = self.demand.lock().unwrap_or_else(|p| p.into_inner());
        map.get(plan).filter(|e| e.until > now).map(|e| e.value)
    }

    /// Keeps a plan's demand. Only plans that exist are kept (see `inputs::demand`), so the map is bounded by
    /// the catalog; expired entries go when the map is written to.
    pub fn keep_demand(&self, plan: PlanId, demand: Demand, now: DateTime<Utc>) {
        let mut map = self.demand.lock().unwrap_or_else(|p| p.into_inner());
        map.retain(|_, e| e.until > now);
        map.insert(plan, Entry { value: demand, until: now + DEMAND_TTL });
    }
}
