//! Hold expiry: capacity held by an order that provisioning never started comes back after the hold's time
//! (24 h by default), with the order cancelled and its payment refunded.
//!
//! Exactly once, whatever races it: expiring an order is the customer cancellation's transaction (order
//! `new -> cancelled`, the held slots released, the refund, the coupon use given back), conditioned on the
//! order still being `new`. Provisioning starts with `new -> processing` under the same condition, and a
//! second expiry or a customer's cancel needs it too, so of any two only one moves the order and only that one
//! touches capacity or money. (Every checkout is paid when it is placed — card and crypto gateways are not
//! connected — so the "late payment" a hold races with is provisioning finally starting.)
//!
//! Not DynamoDB's TTL: it deletes items up to days late and runs no transaction, so it could neither release
//! the slots nor refund. The sweep finds due orders with one query on the order-status index (oldest first,
//! created before the cut-off), run by the inventory check.

use crate::app::AppContext;
use crate::domain::{Order, OrderId, OrderStatus};
use crate::error::PortError;
use crate::services::orders::{CancelError, CancelReason, cancel_unprovisioned};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// How long checkout holds capacity for an order that is not provisioned.
pub const HOLD_DURATION: Duration = Duration::hours(24);

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HoldExpiry {
    /// Orders this sweep cancelled (their capacity is back).
    pub expired: Vec<OrderId>,
    /// Due orders that provisioning (or a cancellation) moved first: nothing to give back.
    pub moved_on: usize,
}

/// Expires one overdue order, read as `new`: true when this call cancelled it, false when provisioning or a
/// cancellation moved it first (nothing given back then).
pub async fn expire_hold(ctx: &AppContext, order: Order) -> Result<bool, PortError> {
    let id = order.id.clone();
    match cancel_unprovisioned(ctx, order, CancelReason::HoldExpired).await {
        Ok(_) => {
            tracing::warn!(order_id = %id, "hold expired: order cancelled and refunded, capacity released");
            Ok(true)
        }
        Err(CancelError::NotCancellable(_)) | Err(CancelError::NotFound) => Ok(false),
        Err(CancelError::Port(e)) => Err(e),
    }
}

/// Expires every hold older than `hold` at `now`.
pub async fn expire_holds(ctx: &AppContext, hold: Duration) -> Result<HoldExpiry, PortError> {
    let now = ctx.clock.now();
    let cutoff = now - hold;
    // From the epoch: an order older than any window still holds until it is expired.
    let due = ctx.stores.orders.by_status(OrderStatus::New, DateTime::<Utc>::UNIX_EPOCH, cutoff).await?;
    let mut expiry = HoldExpiry::default();
    for order in due.into_iter().filter(|o| o.created_at <= cutoff) {
        let id = order.id.clone();
        if expire_hold(ctx, order).await? {
            expiry.expired.push(id);
        } else {
            expiry.moved_on += 1;
        }
    }
    Ok(expiry)
}
