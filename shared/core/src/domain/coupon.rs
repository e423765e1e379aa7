use super::{Money, PlanId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscountKind {
    Fixed,
    Percent,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coupon {
    /// Upper-case code, unique.
    pub code: String,
    pub kind: DiscountKind,
    pub value: Money,
    pub min_order: Money,
    pub is_active: bool,
    /// None = unlimited.
    pub usage_limit: Option<u32>,
    /// Bumped atomically at checkout, conditioned on `usage_limit`.
    pub used_count: u32,
    pub single_use_per_customer: bool,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    /// The plans it applies to (empty: every plan).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub plans: Vec<PlanId>,
    /// The server locations it applies to (empty: every location).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<String>,
    /// Who created it and when, and who ended it and when (the admins' audit trail; None for seeded coupons).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTime<Utc>>,
}

/// Whether a coupon can be used at a moment, before the order and the customer are looked at. Checkout's
/// refusal and the admin's list of promotions in force both read it, so they cannot disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CouponState {
    InForce,
    /// Switched off, or its window has ended.
    Expired,
    NotStarted,
    UsedUp,
}

impl Coupon {
    /// An active coupon with no minimum order, no limit and no window, for every plan and location, created by
    /// nobody (seeded): the rest is set with struct update syntax.
    pub fn new(code: impl Into<String>, kind: DiscountKind, value: Money) -> Coupon {
        Coupon {
            code: code.into(),
            kind,
            value,
            min_order: Money::ZERO,
            is_active: true,
            usage_limit: None,
            used_count: 0,
            single_use_per_customer: false,
            starts_at: None,
            ends_at: None,
            plans: Vec::new(),
            locations: Vec::new(),
            created_by: None,
            created_at: None,
            ended_by: None,
            ended_at: None,
        }
    }

    /// Whether it applies to a line of this plan on a server in this location.
    pub fn applies_to(&self, plan: &PlanId, location: Option<&str>) -> bool {
        (self.plans.is_empty() || self.plans.contains(plan))
            && (self.locations.is_empty() || location.is_some_and(|l| self.locations.iter().any(|c| c == l)))
    }

    pub fn state_at(&self, now: DateTime<Utc>) -> CouponState {
        if !self.is_active || self.ends_at.is_some_and(|end| end < now) {
            CouponState::Expired
        } else if self.starts_at.is_some_and(|start| start > now) {
            CouponState::NotStarted
        } else if self.usage_limit.is_some_and(|limit| self.used_count >= limit) {
            CouponState::UsedUp
        } else {
            CouponState::InForce
        }
    }
}
