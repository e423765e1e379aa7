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
