//! `bulk_discount` (quantity and order-value tiers, volume bonus, capped) and `subscription_price` (billing
//! cycles and their discounts).

use super::rules::{BillingCycle, PricingRules};
use super::{cents, percent_of};
use crate::domain::Money;
use rust_decimal::Decimal;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BulkDiscount {
    /// The tier reached by quantity or order value (0 when none).
    pub tier_percent: Decimal,
    pub volume_bonus_percent: Decimal,
    /// Tier and bonus together, within the discount cap.
    pub percent: Decimal,
    pub capped: bool,
    pub reason: String,
}

/// The bulk discount of an order of `quantity` clients worth `value`.
pub fn bulk_discount(rules: &PricingRules, quantity: u32, value: Money) -> BulkDiscount {
    let tier = rules.bulk.tiers.iter().rev().find(|t| quantity >= t.min_quantity || value >= t.min_value);
    let bonus = rules.bulk.volume_bonus.iter().rev().find(|b| quantity >= b.min_quantity);
    let tier_percent = tier.map(|t| t.percent).unwrap_or_default();
    let volume_bonus_percent = bonus.map(|b| b.percent).unwrap_or_default();
    let uncapped = tier_percent + volume_bonus_percent;
    let percent = uncapped.min(rules.discount_cap_percent);
    let mut reason = match tier {
        Some(t) => {
            format!("{quantity} clients worth {value}: reaches {} clients or {} in value", t.min_quantity, t.min_value)
        }
        None => format!("{quantity} clients worth {value}: below every bulk tier"),
    };
    if let Some(b) = bonus {
        reason.push_str(&format!("; volume bonus from {} clients", b.min_quantity));
    }
    BulkDiscount { tier_percent, volume_bonus_percent, percent, capped: percent < uncapped, reason }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubscriptionPrice {
    /// The longest billing cycle the duration covers.
    pub cycle: String,
    pub months: u32,
    pub percent: Decimal,
    /// `monthly_price * months`, before the discount.
    pub full_price: Money,
    pub price: Money,
    pub monthly_equivalent: Money,
    pub savings: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a billing cycle of zero months has no price")]
pub struct ZeroMonths;

/// The cycle whose discount a duration of `months` gets.
pub fn cycle_for(rules: &PricingRules, months: u32) -> Option<&BillingCycle> {
    rules.subscription.cycles.iter().rev().find(|c| months >= c.months)
}

/// The name of the cycle a duration is billed under (`<n>_months` when no cycle is that short).
pub fn cycle_name(rules: &PricingRules, months: u32) -> String {
    cycle_for(rules, months).map(|c| c.name.clone()).unwrap_or_else(|| format!("{months}_months"))
}

/// What `months` of a plan at `monthly_price` cost on a subscription.
pub fn subscription_price(
    rules: &PricingRules,
    monthly_price: Money,
    months: u32,
) -> Result<SubscriptionPrice, ZeroMonths> {
    if months == 0 {
        return Err(ZeroMonths);
    }
    let cycle = cycle_for(rules, months);
    let percent = cycle.map(|c| c.percent).unwrap_or_default();
    let full_price = monthly_price * Decimal::from(months);
    let savings = cents(percent_of(full_price, percent));
    let price = full_price - savings;
    Ok(SubscriptionPrice {
        cycle: cycle_name(rules, months),
        months,
        percent,
        full_price,
        price,
        monthly_equivalent: cents(price / Decimal::from(months)),
        savings,
    })
}
