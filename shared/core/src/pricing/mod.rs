//! The pricing engine: pure functions over their inputs (rules, plans, servers, demand, the buyer, a coupon and
//! the time), Decimal everywhere. `quote` composes the others and is the one price checkout charges; the
//! pricing context's services load the inputs.

pub mod discounts;
pub mod dynamic;
pub mod personal;
pub mod promo;
pub mod quote;
pub mod rules;
#[cfg(test)]
mod tests;

pub use discounts::{BulkDiscount, SubscriptionPrice, ZeroMonths, bulk_discount, subscription_price};
pub use dynamic::{Bound, DynamicPrice, Factor, PlanMarket, dynamic_price};
pub use personal::{Buyer, NextTier, PaidBand, Personalisation, personalisation, personalised_price};
pub use promo::{CouponUse, coupon_refusal, promotional_price};
pub use quote::{Adjustment, AdjustmentKind, CartLine, Quote, QuoteInput, QuoteLine, QuoteRefusal, quote};
pub use rules::PricingRules;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// A plan's recent orders, from the daily sales counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Demand {
    /// Orders in the last 7 days (today included).
    pub last_7_days: u64,
    /// Orders in the last 30 days (today included).
    pub last_30_days: u64,
}

/// Rounded to cents, half away from zero.
pub fn cents(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// `percent` % of `amount`.
pub fn percent_of(amount: Decimal, percent: Decimal) -> Decimal {
    amount * percent / Decimal::ONE_HUNDRED
}
