//! The slowly-changing pricing inputs, from the instance cache or the store: the active rules (one GetItem)
//! and each plan's demand (one Query per plan over its daily counters, sent concurrently).

use super::PricingEnv;
use proxy_core::domain::PlanId;
use proxy_core::error::PortResult;
use proxy_core::pricing::Demand;
use std::collections::HashMap;
use std::sync::Arc;
use store::RulesVersion;

pub async fn active_rules(ctx: &impl PricingEnv) -> PortResult<Arc<RulesVersion>> {
    let now = ctx.clock().now();
    if let Some(rules) = ctx.pricing_cache().rules(now) {
        return Ok(rules);
    }
    let generation = ctx.pricing_cache().rules_generation();
    let rules = Arc::new(ctx.stores().pricing.active().await?);
    ctx.pricing_cache().keep_rules(rules.clone(), generation, now);
    Ok(rules)
}

/// The demand of each of `plans`: cached values, and a query for the others. What was read is not kept until
/// the caller knows the plans exist (`remember_demand`): ids from a request must not fill the cache.
pub async fn demand(ctx: &impl PricingEnv, plans: &[PlanId]) -> PortResult<HashMap<PlanId, Demand>> {
    let now = ctx.clock().now();
    let mut known = HashMap::new();
    let mut missing = Vec::new();
    for plan in plans {
        match ctx.pricing_cache().demand(plan, now) {
            Some(d) => {
                known.insert(plan.clone(), d);
            }
            None if !missing.contains(plan) => missing.push(plan.clone()),
            None => {}
        }
    }
    let today = now.date_naive();
    let fetched =
        futures_util::future::join_all(missing.iter().map(|plan| ctx.stores().stats.demand(plan, today))).await;
    for (plan, demand) in missing.into_iter().zip(fetched) {
        known.insert(plan, demand?);
    }
    Ok(known)
}

/// Keeps the demand of `plans` (which exist) for `DEMAND_TTL`; plans already cached keep their expiry.
pub fn remember_demand<'a>(
    ctx: &impl PricingEnv,
    plans: impl IntoIterator<Item = &'a PlanId>,
    demand: &HashMap<PlanId, Demand>,
) {
    let now = ctx.clock().now();
    for plan in plans {
        if let Some(d) = demand.get(plan)
            && ctx.pricing_cache().demand(plan, now).is_none()
        {
            ctx.pricing_cache().keep_demand(plan.clone(), *d, now);
        }
    }
}
