//! The slowly-changing pricing inputs, from the instance cache or the store: the active rules (one get) and
//! each plan's demand (one query over its daily counters, all plans at once).

use super::cache::PricingCache;
use crate::app::AppContext;
use crate::domain::PlanId;
use crate::error::PortResult;
use crate::pricing::Demand;
use crate::store::RulesVersion;
use std::collections::HashMap;
use std::sync::Arc;

fn cache(ctx: &AppContext) -> &PricingCache {
    &ctx.pricing
}

pub async fn active_rules(ctx: &AppContext) -> PortResult<Arc<RulesVersion>> {
    let now = ctx.clock.now();
    if let Some(rules) = cache(ctx).rules(now) {
        return Ok(rules);
    }
    let rules = Arc::new(ctx.stores.pricing.active().await?);
    cache(ctx).keep_rules(rules.clone(), now);
    Ok(rules)
}

pub async fn demand(ctx: &AppContext, plans: &[PlanId]) -> PortResult<HashMap<PlanId, Demand>> {
    let now = ctx.clock.now();
    let mut known = HashMap::new();
    let mut missing = Vec::new();
    for plan in plans {
        match cache(ctx).demand(plan, now) {
            Some(d) => {
                known.insert(plan.clone(), d);
            }
            None if !missing.contains(plan) => missing.push(plan.clone()),
            None => {}
        }
    }
    let today = now.date_naive();
    let fetched = futures_util::future::join_all(missing.iter().map(|plan| ctx.stores.stats.demand(plan, today))).await;
    for (plan, demand) in missing.into_iter().zip(fetched) {
        let demand = demand?;
        cache(ctx).keep_demand(plan.clone(), demand, now);
        known.insert(plan, demand);
    }
    Ok(known)
}
