//! The pricing inputs every quote needs and that change slowly — the active rules and each plan's demand —
//! kept in the function instance for a short time, so the quote path reads neither from the store on a warm
//! instance. Expiry follows the injected clock (moka's own clock cannot be moved by tests). A rules change in
//! another instance is seen here within `RULES_TTL`.

use crate::domain::PlanId;
use crate::pricing::Demand;
use crate::store::RulesVersion;
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

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
    demand: Mutex<HashMap<PlanId, Entry<Demand>>>,
}

impl PricingCache {
    pub fn rules(&self, now: DateTime<Utc>) -> Option<Arc<RulesVersion>> {
        let slot = self.rules.lock().unwrap_or_else(|p| p.into_inner());
        slot.as_ref().filter(|e| e.until > now).map(|e| e.value.clone())
    }

    pub fn keep_rules(&self, rules: Arc<RulesVersion>, now: DateTime<Utc>) {
        *self.rules.lock().unwrap_or_else(|p| p.into_inner()) = Some(Entry { value: rules, until: now + RULES_TTL });
    }

    pub fn forget_rules(&self) {
        *self.rules.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    pub fn demand(&self, plan: &PlanId, now: DateTime<Utc>) -> Option<Demand> {
        let map = self.demand.lock().unwrap_or_else(|p| p.into_inner());
        map.get(plan).filter(|e| e.until > now).map(|e| e.value)
    }

    pub fn keep_demand(&self, plan: PlanId, demand: Demand, now: DateTime<Utc>) {
        let mut map = self.demand.lock().unwrap_or_else(|p| p.into_inner());
        // Bounded by the number of plans on sale; expired entries go when the map is written to.
        map.retain(|_, e| e.until > now);
        map.insert(plan, Entry { value: demand, until: now + DEMAND_TTL });
    }
}
