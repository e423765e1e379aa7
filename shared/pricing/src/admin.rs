//! The admin's side of pricing: what every plan costs now and why (`overview`), and the versioned rules —
//! publish a new version, list versions, roll back (a rollback publishes a copy of the old version, so the
//! history only ever grows and says who did what).

use super::PricingEnv;
use super::inputs;
use crate::promotions::PromotionView;
use ::cache::{StoreName, View, tags};
use chrono::{DateTime, Utc};
use proxy_core::domain::{CouponState, Money, PlanId, ServerId};
use proxy_core::error::PortError;
use proxy_core::ports::table::Cursor;
use proxy_core::pricing::rules::{BillingCycle, BulkTier, VolumeBonus};
use proxy_core::pricing::{Bound, Factor, PlanMarket, PricingRules, dynamic_price};
use proxy_core::validation::FieldErrors;
use proxy_core::validation::{add_error, parse_json};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use store::RulesVersion;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanPricing {
    pub plan_id: PlanId,
    pub name: String,
    pub server_id: ServerId,
    pub location: Option<String>,
    pub plan_type: String,
    pub is_active: bool,
    pub base_price: Money,
    /// One client for one period, now, for a customer without loyalty or coupon.
    pub price: Money,
    pub bounded_by: Option<Bound>,
    pub factors: Vec<Factor>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BulkView {
    pub tiers: Vec<BulkTier>,
    pub volume_bonus: Vec<VolumeBonus>,
    pub discount_cap_percent: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PricingOverview {
    pub active: RulesVersion,
    pub dynamic_pricing_enabled: bool,
    pub plans: Vec<PlanPricing>,
    pub bulk: BulkView,
    pub subscription_cycles: Vec<BillingCycle>,
    /// Coupons usable now (active, within their window, not used up), with their use so far.
    pub promotions: Vec<PromotionView>,
    pub computed_at: DateTime<Utc>,
}

/// The cached overview (`GET /admin/pricing`, read by dashboards): a new version of the rules drops it (an
/// admin sees the change on the next read); so does a change of capacity, which moves the capacity factor. The
/// time factor moves by the hour, so it is kept a minute at most.
pub fn overview_view() -> View {
    View::server_data("pricing:overview")
        .tagged(tags::PRICING)
        .tagged(tags::INVENTORY)
        .ttl(std::time::Duration::from_secs(60))
}

/// The overview through the cache of views, as the JSON the endpoint answers.
pub async fn cached_overview(ctx: &impl PricingEnv) -> Result<serde_json::Value, PortError> {
    ctx.tiered_cache().get_or_load_json(&overview_view(), || overview(ctx)).await
}

/// The active rules and what they do to every plan now: the rules from the store, the catalog and the coupons
/// (one index query each) and the demand (cached per plan).
pub async fn overview(ctx: &impl PricingEnv) -> Result<PricingOverview, PortError> {
    let now = ctx.clock().now();
    let (active, plans, servers, coupons) = tokio::try_join!(
        ctx.stores().pricing.active(),
        ctx.stores().catalog.plans(),
        ctx.stores().catalog.servers(),
        ctx.stores().coupons.all(),
    )?;
    let servers: BTreeMap<_, _> = servers.into_iter().map(|s| (s.id.clone(), s)).collect();
    let plan_ids: Vec<PlanId> = plans.iter().map(|p| p.id.clone()).collect();
    let demand = inputs::demand(ctx, &plan_ids).await?;
    inputs::remember_demand(ctx, &plan_ids, &demand);
    let rules = &active.rules;
    let plans = plans
        .iter()
        .map(|plan| {
            let server = servers.get(&plan.server_id);
            let market = PlanMarket { plan, server, demand: demand.get(&plan.id).copied().unwrap_or_default() };
            let price = dynamic_price(&rules.dynamic, market, None, 1, now);
            PlanPricing {
                plan_id: plan.id.clone(),
                name: plan.name.clone(),
                server_id: plan.server_id.clone(),
                location: server.map(|s| s.location.clone()),
                plan_type: plan.plan_type.clone(),
                is_active: plan.is_active,
                base_price: plan.price,
                price: price.unit_price,
                bounded_by: price.bounded_by,
                factors: price.factors,
            }
        })
        .collect();
    let promotions = coupons
        .into_iter()
        .filter(|c| c.state_at(now) == CouponState::InForce)
        .map(|coupon| PromotionView::of(coupon, now))
        .collect();
    Ok(PricingOverview {
        dynamic_pricing_enabled: rules.dynamic.enabled,
        bulk: BulkView {
            tiers: rules.bulk.tiers.clone(),
            volume_bonus: rules.bulk.volume_bonus.clone(),
            discount_cap_percent: rules.discount_cap_percent,
        },
        subscription_cycles: rules.subscription.cycles.clone(),
        plans,
        promotions,
        active,
        computed_at: now,
    })
}

/// `POST /admin/pricing/rules`: the whole rules document, an optional note, and the version the change was
/// based on — required, so an admin who edited an old version is refused (409) rather than silently undoing
/// what another admin published since.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct RulesUpdate {
    pub rules: PricingRules,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = NOTE_MAX_CHARS)))]
    pub note: Option<String>,
    pub base_version: u64,
}

/// `POST /admin/pricing/rules/rollback`: the version whose rules become active again.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Rollback {
    pub version: u64,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = NOTE_MAX_CHARS)))]
    pub note: Option<String>,
}

const NOTE_MAX_CHARS: usize = 500;

fn check_note(note: &Option<String>, errors: &mut FieldErrors) {
    if note.as_ref().is_some_and(|n| n.chars().count() > NOTE_MAX_CHARS) {
        add_error(errors, "note", format!("may not be longer than {NOTE_MAX_CHARS} characters"));
    }
}

impl RulesUpdate {
    /// Parses and validates a body: every broken rule is a field error (`rules.bulk.tiers.1.percent`).
    pub fn parse(body: &str) -> Result<RulesUpdate, FieldErrors> {
        let update: RulesUpdate = parse_json(body)?;
        let mut errors: FieldErrors =
            update.rules.validate().into_iter().map(|(field, messages)| (format!("rules.{field}"), messages)).collect();
        check_note(&update.note, &mut errors);
        if errors.is_empty() { Ok(update) } else { Err(errors) }
    }
}

impl Rollback {
    pub fn parse(body: &str) -> Result<Rollback, FieldErrors> {
        let rollback: Rollback = parse_json(body)?;
        let mut errors = FieldErrors::new();
        check_note(&rollback.note, &mut errors);
        if errors.is_empty() { Ok(rollback) } else { Err(errors) }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    /// The change was based on a version that is no longer active.
    #[error("version {active} is active, not {based_on}")]
    Stale { based_on: u64, active: u64 },
    #[error("no version {0}")]
    UnknownVersion(u64),
    /// The version's rules break today's validation.
    #[error("the version's rules are no longer valid")]
    NoLongerValid(FieldErrors),
    #[error(transparent)]
    Port(#[from] PortError),
}

/// Publishes `rules` as the next version and activates it.
pub async fn publish(
    ctx: &impl PricingEnv,
    author: &str,
    rules: PricingRules,
    note: Option<String>,
    base_version: Option<u64>,
) -> Result<RulesVersion, RulesError> {
    let active = ctx.stores().pricing.active().await?;
    if let Some(based_on) = base_version
        && based_on != active.version
    {
        return Err(RulesError::Stale { based_on, active: active.version });
    }
    let next = RulesVersion {
        version: active.version + 1,
        rules,
        author: author.to_owned(),
        created_at: ctx.clock().now(),
        note: note.filter(|n| !n.trim().is_empty()),
    };
    match ctx.stores().pricing.publish(&next, active.version).await {
        Ok(()) => {}
        // A failed condition: another admin published between our read and our write.
        Err(PortError::Conflict { op_index: Some(_) }) => {
            let now_active = ctx.stores().pricing.active().await?.version;
            return Err(RulesError::Stale { based_on: active.version, active: now_active });
        }
        Err(e) => return Err(e.into()),
    }
    ctx.pricing_cache().forget_rules();
    ctx.tiered_cache().invalidate(StoreName::Default, &[tags::PRICING.to_owned()]).await;
    tracing::info!(version = next.version, author, "pricing rules published");
    Ok(next)
}

pub async fn rollback(ctx: &impl PricingEnv, author: &str, request: Rollback) -> Result<RulesVersion, RulesError> {
    let target =
        ctx.stores().pricing.version(request.version).await?.ok_or(RulesError::UnknownVersion(request.version))?;
    // Rules valid when published may break a rule added since: they are not activated again unchecked.
    let errors = target.rules.validate();
    if !errors.is_empty() {
        return Err(RulesError::NoLongerValid(errors));
    }
    let note = request.note.unwrap_or_else(|| format!("rollback to version {}", request.version));
    publish(ctx, author, target.rules, Some(note), None).await
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersionsPage {
    pub active_version: u64,
    /// Newest first; the built-in defaults (version 0) are not stored and not listed.
    pub versions: Vec<RulesVersion>,
    pub next_cursor: Option<String>,
}

pub async fn versions(ctx: &impl PricingEnv, limit: usize, after: Option<Cursor>) -> Result<VersionsPage, PortError> {
    let (active, (versions, next)) =
        tokio::try_join!(ctx.stores().pricing.active(), ctx.stores().pricing.versions(limit, after))?;
    Ok(VersionsPage { active_version: active.version, versions, next_cursor: next.as_ref().map(Cursor::token) })
}

/// The cache's warmers of the pricing context (`cache::warmup`).
pub fn cache_warmers<C: PricingEnv + Sync>() -> Vec<::cache::Warmer<C>> {
    vec![::cache::Warmer {
        name: "pricing-overview",
        description: "The active rules and every plan's price (GET /admin/pricing).",
        warm: warm_overview::<C>,
    }]
}

fn warm_overview<C: PricingEnv + Sync>(ctx: &C) -> ::cache::WarmFuture<'_> {
    Box::pin(async move {
        let overview = cached_overview(ctx).await.map_err(|e| e.to_string())?;
        let plans = overview["plans"].as_array().map_or(0, Vec::len);
        Ok(format!("{plans} plans priced under rules version {}", overview["active"]["version"]))
    })
}
