//! `promotional_price`: a coupon from the coupons store — fixed or percent, validity window, minimum order,
//! usage limit, once per customer. A coupon that cannot apply is refused with the reason, never "valid with
//! nothing off".

use super::{cents, percent_of};
use crate::domain::{Coupon, CouponState, DiscountKind, Money};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

/// A coupon as one customer would use it.
#[derive(Debug, Clone, Copy)]
pub struct CouponUse<'a> {
    pub coupon: &'a Coupon,
    /// This customer has used this single-use coupon before.
    pub used_by_customer: bool,
}

/// Why the coupon cannot apply to an order of `order_value` (the subtotal, before any discount), in words for
/// the customer; None when it can.
pub fn coupon_refusal(usage: CouponUse<'_>, order_value: Money, now: DateTime<Utc>) -> Option<String> {
    let coupon = usage.coupon;
    match coupon.state_at(now) {
        CouponState::Expired => return Some("has expired or is not active".into()),
        CouponState::NotStarted => return Some("is not valid yet".into()),
        CouponState::UsedUp => return Some("has been used up".into()),
        CouponState::InForce => {}
    }
    if coupon.single_use_per_customer && usage.used_by_customer {
        return Some("has already been used by you".into());
    }
    if order_value < coupon.min_order {
        return Some(format!("requires an order of at least {}", coupon.min_order));
    }
    None
}

/// The money the coupon takes off `payable` (what is left after the automatic discounts), for an order whose
/// subtotal is `order_value`. Never more than `payable`.
pub fn promotional_price(
    usage: CouponUse<'_>,
    order_value: Money,
    payable: Money,
    now: DateTime<Utc>,
) -> Result<Money, String> {
    if let Some(reason) = coupon_refusal(usage, order_value, now) {
        return Err(reason);
    }
    let off = match usage.coupon.kind {
        DiscountKind::Fixed => usage.coupon.value,
        DiscountKind::Percent => cents(percent_of(payable, usage.coupon.value)),
    };
    Ok(off.clamp(Decimal::ZERO, payable))
}
