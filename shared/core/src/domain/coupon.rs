use super::Money;
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
}

/// Whether a coupon can be used at a moment, before the order and the customer are looked at. Checkout's
/// refusal and the admin's list of promotions in force both read it, so they cannot disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CouponState {
    InForce,
    /// Switched off, or its window has ended.
    Expired,
    NotStarted,
    UsedUp,
}

impl Coupon {
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
