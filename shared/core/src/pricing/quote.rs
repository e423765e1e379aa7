//! `quote`: the one price of a cart, composed in this order —
//! 1. each line at its dynamic price (`dynamic_price`) per period, times the months bought: the subtotal;
//! 2. automatic discounts, each a percentage of the subtotal (never compounding): the customer's loyalty tier
//!    *or* the new-customer offer, the subscription cycle, the bulk tier and the volume bonus;
//! 3. the discount cap: the automatic discounts together never exceed `discount_cap_percent` of the subtotal
//!    (an adjustment gives back what is over);
//! 4. the coupon, on what is left, within the room the cap leaves: the *total* discount never exceeds the cap.
//!    A coupon that would take nothing because the other discounts already reach the cap is refused with that
//!    reason rather than accepted for nothing; one that fits only in part says it was capped.
//!
//! The lines plus the adjustments sum to the total exactly (every amount is in cents), and checkout charges
//! that total.

use super::discounts::{bulk_discount, cycle_for, cycle_name};
use super::dynamic::{DynamicPrice, PlanMarket, dynamic_price};
use super::personal::{Buyer, Personalisation, personalisation};
use super::promo::{CouponUse, promotional_price};
use super::rules::PricingRules;
use super::{cents, percent_of};
use crate::domain::{Money, PlanId, ServerId};
use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdjustmentKind {
    Loyalty,
    NewCustomer,
    Subscription,
    Bulk,
    VolumeBonus,
    /// Gives back what the automatic discounts took above the cap (a positive amount).
    DiscountCap,
    Coupon,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Adjustment {
    pub kind: AdjustmentKind,
    pub description: String,
    /// The rule's percentage of the subtotal, when it is one.
    pub percent: Option<Decimal>,
    /// Negative: money off.
    pub amount: Money,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuoteLine {
    pub plan_id: PlanId,
    pub plan_name: String,
    pub server_id: ServerId,
    pub quantity: u32,
    /// The price of one client for one period, and why.
    pub dynamic: DynamicPrice,
    /// One client for the whole duration: the dynamic unit price times the months.
    pub unit_amount: Money,
    pub total_amount: Money,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quote {
    /// The pricing-rules version that produced it (0: the built-in defaults).
    pub rules_version: u64,
    pub duration_months: u32,
    /// The billing cycle whose discount the duration gets.
    pub cycle: String,
    pub lines: Vec<QuoteLine>,
    pub subtotal: Money,
    pub adjustments: Vec<Adjustment>,
    /// Total money off (positive).
    pub discount: Money,
    pub total: Money,
    pub loyalty: Personalisation,
    pub coupon_code: Option<String>,
    pub quoted_at: DateTime<Utc>,
}

/// One line of a cart, with what its price depends on.
#[derive(Debug, Clone, Copy)]
pub struct CartLine<'a> {
    pub market: PlanMarket<'a>,
    pub quantity: u32,
}

/// Everything a quote depends on: the same input always gives the same quote.
#[derive(Debug, Clone)]
pub struct QuoteInput<'a> {
    pub rules: &'a PricingRules,
    pub rules_version: u64,
    pub buyer: Buyer<'a>,
    pub lines: Vec<CartLine<'a>>,
    pub months: u32,
    pub coupon: Option<CouponUse<'a>>,
    pub now: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuoteRefusal {
    #[error("a duration of zero months has no price")]
    ZeroMonths,
    #[error("the coupon {0}")]
    Coupon(String),
}

/// `-amount`, without the negative zero a plain negation gives (it would print as "-0").
fn money_off(amount: Money) -> Money {
    Decimal::ZERO - amount
}

pub fn quote(input: &QuoteInput<'_>) -> Result<Quote, QuoteRefusal> {
    if input.months == 0 {
        return Err(QuoteRefusal::ZeroMonths);
    }
    let rules = input.rules;
    let months = Decimal::from(input.months);
    let lines: Vec<QuoteLine> = input
        .lines
        .iter()
        .map(|line| {
            let dynamic = dynamic_price(&rules.dynamic, line.market, input.buyer.country, line.quantity, input.now);
            let unit_amount = dynamic.unit_price * months;
            QuoteLine {
                plan_id: line.market.plan.id.clone(),
                plan_name: line.market.plan.name.clone(),
                server_id: line.market.plan.server_id.clone(),
                quantity: line.quantity,
                total_amount: unit_amount * Decimal::from(line.quantity),
                unit_amount,
                dynamic,
            }
        })
        .collect();
    let subtotal: Money = lines.iter().map(|l| l.total_amount).sum();
    let clients: u32 = lines.iter().map(|l| l.quantity).sum();

    let loyalty = personalisation(rules, &input.buyer, input.now);
    let mut adjustments = Vec::new();
    let mut off = |kind, description: String, percent: Decimal| {
        let amount = cents(percent_of(subtotal, percent));
        if amount > Decimal::ZERO {
            adjustments.push(Adjustment { kind, description, percent: Some(percent), amount: money_off(amount) });
        }
    };
    let personal_kind = if loyalty.new_customer { AdjustmentKind::NewCustomer } else { AdjustmentKind::Loyalty };
    off(personal_kind, loyalty.reason.clone(), loyalty.discount_percent);
    let cycle = cycle_for(rules, input.months);
    if let Some(c) = cycle {
        off(AdjustmentKind::Subscription, format!("{} billing ({} months bought)", c.name, input.months), c.percent);
    }
    let bulk = bulk_discount(rules, clients, subtotal);
    off(AdjustmentKind::Bulk, bulk.reason.clone(), bulk.tier_percent);
    off(AdjustmentKind::VolumeBonus, format!("volume bonus for {clients} clients"), bulk.volume_bonus_percent);

    let automatic: Money = adjustments.iter().map(|a| money_off(a.amount)).sum();
    // Rounded down, so the cap is never exceeded by a rounding.
    let cap = percent_of(subtotal, rules.discount_cap_percent).round_dp_with_strategy(2, RoundingStrategy::ToZero);
    if automatic > cap {
        adjustments.push(Adjustment {
            kind: AdjustmentKind::DiscountCap,
            description: format!("automatic discounts are capped at {} % of the subtotal", rules.discount_cap_percent),
            percent: Some(rules.discount_cap_percent),
            amount: automatic - cap,
        });
    }
    let payable = subtotal - automatic.min(cap);

    if let Some(usage) = input.coupon {
        // A promotion limited to some plans or locations counts (minimum order) and discounts only those lines:
        // their share of what is payable.
        let eligible: Money = input
            .lines
            .iter()
            .zip(&lines)
            .filter(|(cart, _)| {
                usage.coupon.applies_to(&cart.market.plan.id, cart.market.server.map(|s| s.location.as_str()))
            })
            .map(|(_, line)| line.total_amount)
            .sum();
        if eligible.is_zero() && !subtotal.is_zero() {
            return Err(QuoteRefusal::Coupon("does not apply to the plans or locations in this order".into()));
        }
        let eligible_payable = if eligible == subtotal { payable } else { cents(payable * eligible / subtotal) };
        let coupon_value =
            promotional_price(usage, eligible, eligible_payable, input.now).map_err(QuoteRefusal::Coupon)?;
        let room = cap - automatic.min(cap);
        let coupon_off = coupon_value.min(room);
        if coupon_off.is_zero() && !coupon_value.is_zero() {
            return Err(QuoteRefusal::Coupon(format!(
                "cannot be combined with this order's other discounts: together they already reach the {} % cap",
                rules.discount_cap_percent
            )));
        }
        let capped = if coupon_off < coupon_value {
            format!(" ({coupon_value:.2} off, capped at the {} % limit on discounts)", rules.discount_cap_percent)
        } else {
            String::new()
        };
        adjustments.push(Adjustment {
            kind: AdjustmentKind::Coupon,
            description: format!("coupon {}{capped}", usage.coupon.code),
            percent: None,
            amount: money_off(coupon_off),
        });
    }
    let discount: Money = adjustments.iter().map(|a| money_off(a.amount)).sum();
    Ok(Quote {
        rules_version: input.rules_version,
        duration_months: input.months,
        cycle: cycle_name(rules, input.months),
        lines,
        subtotal,
        adjustments,
        discount,
        total: subtotal - discount,
        loyalty,
        coupon_code: input.coupon.map(|c| c.coupon.code.clone()),
        quoted_at: input.now,
    })
}

impl crate::domain::ServerUnits for QuoteLine {
    fn server(&self) -> &ServerId {
        &self.server_id
    }
    fn units(&self) -> u32 {
        self.quantity
    }
}
