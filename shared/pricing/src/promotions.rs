//! Promotions as the admins manage them: every coupon with its state and live use (`list`), a new one
//! validated like the rules (`create`), and ending one now (`end`). Checkout and the quote read the coupon from
//! the store on every call, so a change counts at once; the admin overview's cached list of promotions in force
//! is dropped with the pricing tag.

use super::PricingEnv;
use ::cache::{StoreName, tags};
use chrono::{DateTime, Utc};
use proxy_core::domain::{Coupon, CouponState, DiscountKind, Money, PlanId};
use proxy_core::error::PortError;
use proxy_core::validation::{FieldErrors, add_error, parse_json};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

const CODE_CHARS: std::ops::RangeInclusive<usize> = 3..=32;
/// The largest fixed amount off, and minimum order, a promotion may have.
const MAX_AMOUNT: Decimal = Decimal::from_parts(100_000, 0, 0, false, 0);
/// Plans or locations one promotion may name.
const MAX_TARGETS: usize = 50;

/// `POST /admin/pricing/promotions`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct NewPromotion {
    /// Letters, digits, `-` and `_`, 3 to 32 of them; stored upper-case.
    #[cfg_attr(feature = "openapi", schemars(length(min = 3, max = 32)))]
    pub code: String,
    #[cfg_attr(feature = "openapi", schemars(with = "KindSchema"))]
    pub kind: DiscountKind,
    /// Percent off (up to 100) or money off.
    pub value: Decimal,
    #[serde(default)]
    pub min_order: Decimal,
    /// How many orders may use it in all (none: unlimited).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(range(min = 1)))]
    pub usage_limit: Option<u32>,
    #[serde(default)]
    pub once_per_customer: bool,
    /// RFC 3339.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(with = "Option<String>"))]
    pub starts_at: Option<DateTime<Utc>>,
    /// RFC 3339, in the future.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(with = "Option<String>"))]
    pub ends_at: Option<DateTime<Utc>>,
    /// The plans it applies to (empty: every plan).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(with = "Vec<String>", length(max = 50)))]
    pub plans: Vec<PlanId>,
    /// The server locations it applies to (empty: every location).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = 50)))]
    pub locations: Vec<String>,
}

/// `DiscountKind` as the OpenAPI document spells it.
#[cfg(feature = "openapi")]
#[derive(schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
enum KindSchema {
    Fixed,
    Percent,
}

/// A promotion as the admin sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PromotionView {
    pub code: String,
    pub state: CouponState,
    pub kind: DiscountKind,
    pub value: Money,
    pub min_order: Money,
    pub used_count: u32,
    pub usage_limit: Option<u32>,
    /// None when unlimited.
    pub uses_left: Option<u32>,
    pub once_per_customer: bool,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub plans: Vec<PlanId>,
    pub locations: Vec<String>,
    pub created_by: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    pub ended_by: Option<String>,
    pub ended_at: Option<DateTime<Utc>>,
}

impl PromotionView {
    pub fn of(coupon: Coupon, now: DateTime<Utc>) -> Self {
        PromotionView {
            state: coupon.state_at(now),
            uses_left: coupon.usage_limit.map(|l| l.saturating_sub(coupon.used_count)),
            code: coupon.code,
            kind: coupon.kind,
            value: coupon.value,
            min_order: coupon.min_order,
            used_count: coupon.used_count,
            usage_limit: coupon.usage_limit,
            once_per_customer: coupon.single_use_per_customer,
            starts_at: coupon.starts_at,
            ends_at: coupon.ends_at,
            plans: coupon.plans,
            locations: coupon.locations,
            created_by: coupon.created_by,
            created_at: coupon.created_at,
            ended_by: coupon.ended_by,
            ended_at: coupon.ended_at,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PromotionList {
    /// By code.
    pub promotions: Vec<PromotionView>,
    pub in_force: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum PromotionError {
    #[error("invalid promotion")]
    Invalid(FieldErrors),
    #[error("a promotion with code {0} exists")]
    Exists(String),
    #[error("no promotion {0}")]
    Unknown(String),
    #[error(transparent)]
    Port(#[from] PortError),
}

impl NewPromotion {
    /// The body, parsed: a malformed one is a field error like a broken rule.
    pub fn parse(body: &str) -> Result<NewPromotion, FieldErrors> {
        parse_json(body)
    }

    /// Every broken rule, by field, against the clock and the catalogue's plans and locations.
    fn errors(&self, now: DateTime<Utc>, plans: &BTreeSet<PlanId>, locations: &BTreeSet<String>) -> FieldErrors {
        let mut errors = FieldErrors::new();
        let code = self.code.trim();
        if !CODE_CHARS.contains(&code.chars().count())
            || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            add_error(&mut errors, "code", "must be 3 to 32 letters, digits, '-' or '_'");
        }
        let money_rules = |errors: &mut FieldErrors, field: &str, value: Decimal, positive: bool| {
            if value.scale() > 2 && value.normalize().scale() > 2 {
                add_error(errors, field, "may have at most two decimal places");
            }
            if (positive && value <= Decimal::ZERO) || value < Decimal::ZERO {
                add_error(errors, field, if positive { "must be more than 0" } else { "may not be negative" });
            }
        };
        money_rules(&mut errors, "value", self.value, true);
        match self.kind {
            DiscountKind::Percent if self.value > Decimal::ONE_HUNDRED => {
                add_error(&mut errors, "value", "a percent may not be more than 100");
            }
            DiscountKind::Fixed if self.value > MAX_AMOUNT => {
                add_error(&mut errors, "value", format!("may not be more than {MAX_AMOUNT}"));
            }
            _ => {}
        }
        money_rules(&mut errors, "min_order", self.min_order, false);
        if self.min_order > MAX_AMOUNT {
            add_error(&mut errors, "min_order", format!("may not be more than {MAX_AMOUNT}"));
        }
        if self.usage_limit == Some(0) {
            add_error(&mut errors, "usage_limit", "must be at least 1 (leave it out for no limit)");
        }
        if let Some(ends) = self.ends_at {
            if ends <= now {
                add_error(&mut errors, "ends_at", "must be in the future");
            }
            if self.starts_at.is_some_and(|starts| starts >= ends) {
                add_error(&mut errors, "ends_at", "must be after starts_at");
            }
        }
        for (field, count) in [("plans", self.plans.len()), ("locations", self.locations.len())] {
            if count > MAX_TARGETS {
                add_error(&mut errors, field, format!("may name at most {MAX_TARGETS}"));
            }
        }
        for (index, plan) in self.plans.iter().enumerate() {
            if !plans.contains(plan) {
                add_error(&mut errors, &format!("plans.{index}"), format!("{plan} is not a plan"));
            }
        }
        for (index, location) in self.locations.iter().enumerate() {
            if !locations.contains(location) {
                add_error(&mut errors, &format!("locations.{index}"), format!("no server is in {location}"));
            }
        }
        errors
    }
}

/// Every promotion with its state now and its live use: one index query, read fresh (not cached), so the
/// counts are the checkouts' own.
pub async fn list(ctx: &impl PricingEnv) -> Result<PromotionList, PortError> {
    let now = ctx.clock().now();
    let promotions: Vec<PromotionView> =
        ctx.stores().coupons.all().await?.into_iter().map(|coupon| PromotionView::of(coupon, now)).collect();
    let in_force = promotions.iter().filter(|p| p.state == CouponState::InForce).count();
    Ok(PromotionList { promotions, in_force })
}

/// Creates a promotion, refused per field when invalid and with 409 when its code is taken.
pub async fn create(
    ctx: &impl PricingEnv,
    admin: &str,
    request: NewPromotion,
) -> Result<PromotionView, PromotionError> {
    let now = ctx.clock().now();
    let (plans, servers) = tokio::try_join!(ctx.stores().catalog.plans(), ctx.stores().catalog.servers())?;
    let plans: BTreeSet<PlanId> = plans.into_iter().map(|p| p.id).collect();
    let locations: BTreeSet<String> = servers.into_iter().map(|s| s.location).collect();
    let errors = request.errors(now, &plans, &locations);
    if !errors.is_empty() {
        return Err(PromotionError::Invalid(errors));
    }
    let coupon = Coupon {
        min_order: request.min_order,
        usage_limit: request.usage_limit,
        single_use_per_customer: request.once_per_customer,
        starts_at: request.starts_at,
        ends_at: request.ends_at,
        plans: request.plans,
        locations: request.locations,
        created_by: Some(admin.to_owned()),
        created_at: Some(now),
        ..Coupon::new(request.code.trim().to_uppercase(), request.kind, request.value)
    };
    match ctx.stores().coupons.create(&coupon).await {
        Ok(()) => {}
        Err(PortError::Conflict { .. }) => return Err(PromotionError::Exists(coupon.code)),
        Err(e) => return Err(e.into()),
    }
    ctx.tiered_cache().invalidate(StoreName::Default, &[tags::PRICING.to_owned()]).await;
    tracing::info!(audit = true, code = coupon.code, admin, "promotion created");
    Ok(PromotionView::of(coupon, now))
}

/// Ends a promotion now: no order can use it from this moment (one already placed keeps its discount). Ending
/// one that has ended already changes nothing and says who ended it.
pub async fn end(ctx: &impl PricingEnv, admin: &str, code: &str) -> Result<PromotionView, PromotionError> {
    let now = ctx.clock().now();
    let code = code.trim().to_uppercase();
    let ended = ctx.stores().coupons.end(&code, admin, now).await?;
    let coupon = match ended {
        Some(coupon) => {
            ctx.tiered_cache().invalidate(StoreName::Default, &[tags::PRICING.to_owned()]).await;
            tracing::info!(audit = true, code, admin, "promotion ended");
            coupon
        }
        None => ctx.stores().coupons.get(&code).await?.ok_or(PromotionError::Unknown(code))?,
    };
    Ok(PromotionView::of(coupon, now))
}
