//! The price of an order — the seam the pricing engine replaces (`quote` is the only entry point; checkout
//! charges exactly its `total`). Until then it applies the original's subscription and bulk rules and a coupon:
//! - subscription: 12+ months 20 %, 6+ 15 %, 3+ 10 %;
//! - bulk: 50+ clients or 1000+ value 15 %, 20+ / 500+ 10 %, 10+ / 250+ 5 %;
//! - subscription and bulk together at most 30 % of the subtotal;
//! - then the coupon (fixed or percent of what is left), never below zero, refused with its reason.

use crate::domain::{Coupon, DiscountKind, Money, Plan};
use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PricedLine {
    pub plan: Plan,
    pub quantity: u32,
    /// One client for the whole duration.
    pub unit_amount: Money,
    pub total_amount: Money,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Adjustment {
    pub name: &'static str,
    /// Negative: money off.
    pub amount: Money,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quote {
    pub lines: Vec<PricedLine>,
    pub subtotal: Money,
    pub adjustments: Vec<Adjustment>,
    /// Total money off (positive).
    pub discount: Money,
    pub total: Money,
}

fn cents(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

fn percent(p: u32) -> Decimal {
    Decimal::new(i64::from(p), 2)
}

fn subscription_rate(months: u32) -> Decimal {
    match months {
        12.. => percent(20),
        6.. => percent(15),
        3.. => percent(10),
        _ => Decimal::ZERO,
    }
}

fn bulk_rate(clients: u32, value: Decimal) -> Decimal {
    if clients >= 50 || value >= Decimal::from(1000) {
        percent(15)
    } else if clients >= 20 || value >= Decimal::from(500) {
        percent(10)
    } else if clients >= 10 || value >= Decimal::from(250) {
        percent(5)
    } else {
        Decimal::ZERO
    }
}

const DISCOUNT_CAP: u32 = 30;

/// Why a coupon cannot be applied, in words for the customer.
pub fn coupon_refusal(coupon: &Coupon, order_value: Money, now: DateTime<Utc>) -> Option<String> {
    if !coupon.is_active || coupon.ends_at.is_some_and(|end| end < now) {
        return Some("has expired or is not active".into());
    }
    if coupon.starts_at.is_some_and(|start| start > now) {
        return Some("is not valid yet".into());
    }
    if coupon.usage_limit.is_some_and(|limit| coupon.used_count >= limit) {
        return Some("has been used up".into());
    }
    if order_value < coupon.min_order {
        return Some(format!("requires an order of at least {}", coupon.min_order));
    }
    None
}

/// Prices `lines` (plan, quantity) for `months`, with an optional coupon. Err is the coupon's refusal.
pub fn quote(lines: &[(Plan, u32)], months: u32, coupon: Option<&Coupon>, now: DateTime<Utc>) -> Result<Quote, String> {
    let months_d = Decimal::from(months);
    let priced: Vec<PricedLine> = lines
        .iter()
        .map(|(plan, quantity)| {
            let unit_amount = cents(plan.price * months_d);
            PricedLine {
                plan: plan.clone(),
                quantity: *quantity,
                unit_amount,
                total_amount: unit_amount * Decimal::from(*quantity),
            }
        })
        .collect();
    let subtotal: Money = priced.iter().map(|l| l.total_amount).sum();
    let clients: u32 = priced.iter().map(|l| l.quantity).sum();

    let mut adjustments = Vec::new();
    let subscription = cents(subtotal * subscription_rate(months));
    let bulk = cents(subtotal * bulk_rate(clients, subtotal));
    let cap = cents(subtotal * percent(DISCOUNT_CAP));
    let rules_off = (subscription + bulk).min(cap);
    if subscription > Decimal::ZERO {
        adjustments.push(Adjustment { name: "subscription", amount: -subscription });
    }
    if bulk > Decimal::ZERO {
        adjustments.push(Adjustment { name: "bulk", amount: -bulk });
    }
    if rules_off < subscription + bulk {
        adjustments.push(Adjustment { name: "discount_cap", amount: subscription + bulk - rules_off });
    }
    let after_rules = subtotal - rules_off;

    let mut coupon_off = Decimal::ZERO;
    if let Some(coupon) = coupon {
        if let Some(reason) = coupon_refusal(coupon, after_rules, now) {
            return Err(reason);
        }
        coupon_off = match coupon.kind {
            DiscountKind::Fixed => coupon.value,
            DiscountKind::Percent => cents(after_rules * coupon.value / Decimal::from(100)),
        }
        .min(after_rules)
        .max(Decimal::ZERO);
        adjustments.push(Adjustment { name: "coupon", amount: -coupon_off });
    }
    let discount = rules_off + coupon_off;
    Ok(Quote { lines: priced, subtotal, adjustments, discount, total: subtotal - discount })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{PlanId, ServerId};

    fn plan(price: &str) -> Plan {
        Plan {
            id: PlanId("p".into()),
            server_id: ServerId("s".into()),
            name: "Pro".into(),
            price: price.parse().unwrap(),
            days: 30,
            protocol: "vless".into(),
            plan_type: "datacenter".into(),
            data_limit_gb: None,
            is_active: true,
            is_popular: false,
            inbound_id: 1,
            created_at: Utc::now(),
        }
    }

    fn coupon(kind: DiscountKind, value: &str, min: &str) -> Coupon {
        Coupon {
            code: "SAVE".into(),
            kind,
            value: value.parse().unwrap(),
            min_order: min.parse().unwrap(),
            is_active: true,
            usage_limit: Some(5),
            used_count: 0,
            single_use_per_customer: false,
            starts_at: None,
            ends_at: None,
        }
    }

    #[test]
    fn one_month_one_client_is_the_plan_price() {
        let q = quote(&[(plan("9.99"), 1)], 1, None, Utc::now()).unwrap();
        assert_eq!(
            (q.subtotal, q.discount, q.total),
            ("9.99".parse().unwrap(), Decimal::ZERO, "9.99".parse().unwrap())
        );
    }

    #[test]
    fn subscription_and_bulk_discounts_stack_under_the_cap() {
        // 3 months: 10 %. 20 x 30.00 x 3 = 1800 -> bulk 15 %. 25 % in all, under the 30 % cap.
        let q = quote(&[(plan("30.00"), 20)], 3, None, Utc::now()).unwrap();
        assert_eq!(q.subtotal, Decimal::from(1800));
        assert_eq!(q.discount, Decimal::from(450));
        // 12 months (20 %) + bulk 15 % = 35 % -> capped at 30 %.
        let q = quote(&[(plan("30.00"), 20)], 12, None, Utc::now()).unwrap();
        assert_eq!(q.discount, Decimal::from(2160), "30 % of 7200");
        assert!(q.adjustments.iter().any(|a| a.name == "discount_cap"));
    }

    #[test]
    fn coupons_apply_after_the_rules_and_refuse_with_a_reason() {
        let q = quote(&[(plan("100.00"), 1)], 1, Some(&coupon(DiscountKind::Percent, "10", "50")), Utc::now()).unwrap();
        assert_eq!(q.total, Decimal::from(90));
        let q = quote(&[(plan("20.00"), 1)], 1, Some(&coupon(DiscountKind::Fixed, "50", "0")), Utc::now()).unwrap();
        assert_eq!(q.total, Decimal::ZERO, "a fixed coupon never makes the price negative");
        let refused = quote(&[(plan("20.00"), 1)], 1, Some(&coupon(DiscountKind::Fixed, "5", "50")), Utc::now());
        assert_eq!(refused.unwrap_err(), "requires an order of at least 50");
        let mut used = coupon(DiscountKind::Fixed, "5", "0");
        used.used_count = 5;
        assert_eq!(quote(&[(plan("20.00"), 1)], 1, Some(&used), Utc::now()).unwrap_err(), "has been used up");
    }
}
