//! `personalised_price`: the customer's loyalty tier from their paid spend (thresholds are rules), or the
//! new-customer offer, with the tier's benefits and what the next tier needs. Applied once per order.

use super::rules::PricingRules;
use super::{cents, percent_of};
use crate::domain::{LoyaltyTier, Money};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// What pricing knows about the buyer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Buyer<'a> {
    /// Paid orders so far (kept by checkout).
    pub total_paid: Money,
    pub created_at: DateTime<Utc>,
    /// ISO 3166-1 alpha-2, when known.
    pub country: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NextTier {
    pub tier: LoyaltyTier,
    pub min_paid: Money,
    /// How much more the customer must pay to reach it.
    pub needed: Money,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Personalisation {
    pub tier: LoyaltyTier,
    pub total_paid: Money,
    /// True when the new-customer offer applies (instead of the tier's discount).
    pub new_customer: bool,
    pub discount_percent: Decimal,
    pub reason: String,
    pub benefits: Vec<String>,
    pub next_tier: Option<NextTier>,
}

pub fn personalisation(rules: &PricingRules, buyer: &Buyer<'_>, now: DateTime<Utc>) -> Personalisation {
    let reached = rules.tier_for(buyer.total_paid);
    let tier = reached.map(|t| t.tier).unwrap_or(LoyaltyTier::Basic);
    let next_tier = rules.loyalty.tiers.iter().find(|t| t.min_paid > buyer.total_paid).map(|t| NextTier {
        tier: t.tier,
        min_paid: t.min_paid,
        needed: t.min_paid - buyer.total_paid,
    });
    let offer = &rules.loyalty.new_customer;
    let account_days = (now - buyer.created_at).num_days();
    let new_customer = buyer.total_paid.is_zero()
        && account_days <= i64::from(offer.max_account_age_days)
        && offer.discount_percent > Decimal::ZERO;
    let (discount_percent, reason) = if new_customer {
        (offer.discount_percent, format!("new customer: first order within {} days", offer.max_account_age_days))
    } else {
        match reached {
            Some(t) => (t.discount_percent, format!("{:?} tier: {} paid, from {}", tier, buyer.total_paid, t.min_paid)),
            None => (Decimal::ZERO, format!("basic tier: {} paid", buyer.total_paid)),
        }
    };
    Personalisation {
        tier,
        total_paid: buyer.total_paid,
        new_customer,
        discount_percent,
        reason: reason.to_lowercase(),
        benefits: reached.map(|t| t.benefits.clone()).unwrap_or_default(),
        next_tier,
    }
}

/// The paid totals for which a personalisation holds. Checkout adds the order to the customer's paid total on
/// this condition, so two concurrent orders cannot both get the first-order offer, or a tier the other order
/// has just moved the customer out of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaidBand {
    pub at_least: Money,
    pub at_most: Option<Money>,
    pub below: Option<Money>,
}

impl Personalisation {
    pub fn paid_band(&self, rules: &PricingRules) -> PaidBand {
        if self.new_customer {
            return PaidBand { at_least: Money::ZERO, at_most: Some(Money::ZERO), below: None };
        }
        let at_least = rules.tier_for(self.total_paid).map(|t| t.min_paid).unwrap_or(Money::ZERO);
        PaidBand { at_least, at_most: None, below: self.next_tier.as_ref().map(|n| n.min_paid) }
    }
}

/// What `price` becomes for this buyer.
pub fn personalised_price(rules: &PricingRules, buyer: &Buyer<'_>, price: Money, now: DateTime<Utc>) -> Money {
    let p = personalisation(rules, buyer, now);
    price - cents(percent_of(price, p.discount_percent))
}
