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

use super::InventoryEnv;
use chrono::{DateTime, Duration, Utc};
use orders::provisioning::{self, PROVISION_JOB, ProvisionJob};
use orders::{CancelError, CancelReason, cancel_unprovisioned};
use platform::jobs::dispatch_as;
use proxy_core::domain::{Order, OrderId, OrderStatus, Priority};
use proxy_core::error::PortError;
use serde::{Deserialize, Serialize};

/// How long checkout holds capacity for an order that is not provisioned.
pub const HOLD_DURATION: Duration = Duration::hours(24);

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HoldExpiry {
    /// Orders this sweep cancelled (their capacity is back); the archived run lists the first 100.
    pub expired: Vec<OrderId>,
    #[serde(default)]
    pub expired_total: usize,
    /// Due orders that provisioning (or a cancellation) moved first: nothing to give back.
    pub moved_on: usize,
    /// Due orders whose expiry failed (tried again next run), with why; one does not stop the others.
    #[serde(default)]
    pub failed: Vec<FailedExpiry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailedExpiry {
    pub order_id: OrderId,
    pub error: String,
}

/// Expires one overdue order, read as `new`: true when this call cancelled it, false when provisioning or a
/// cancellation moved it first (nothing given back then).
pub async fn expire_hold(ctx: &impl InventoryEnv, order: Order) -> Result<bool, PortError> {
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
pub async fn expire_holds(ctx: &impl InventoryEnv, hold: Duration) -> Result<HoldExpiry, PortError> {
    let now = ctx.clock().now();
    let cutoff = now - hold;
    // From the epoch: an order older than any window still holds until it is expired.
    let due = ctx.stores().orders.by_status(OrderStatus::New, DateTime::<Utc>::UNIX_EPOCH, cutoff).await?;
    let mut expiry = HoldExpiry::default();
    for order in due.into_iter().filter(|o| o.created_at <= cutoff) {
        let id = order.id.clone();
        match expire_hold(ctx, order).await {
            Ok(true) => {
                expiry.expired.push(id);
                expiry.expired_total += 1;
            }
            Ok(false) => expiry.moved_on += 1,
            Err(e) => {
                tracing::error!(order_id = %id, error = %e, "hold not expired");
                expiry.failed.push(FailedExpiry { order_id: id, error: e.to_string() });
            }
        }
    }
    Ok(expiry)
}

/// An order still `new` this long after checkout has lost its provisioning job: checkout sends it right after
/// the commit, and a send that fails then is only logged (the customer has paid).
pub const PROVISIONING_OVERDUE: Duration = Duration::minutes(5);
/// An order `processing` this long since it entered that state lost its provisioning run: one takes seconds, and
/// its job's three deliveries end within 9 minutes (visibility 180 s each) — in the dead-letter queue, when its
/// worker died mid-run or the panels stayed too slow for every delivery.
pub const PROCESSING_STUCK: Duration = Duration::minutes(15);
/// How long an order stuck in `processing` is re-driven: past this, what keeps it there (a server or plan gone,
/// panels that never answer) is not passing, and re-sending its job every run would only fill the dead-letter
/// queue. It waits there for an operator (`GET /admin/system/queue/failed`, its dead-lettered job).
pub const PROCESSING_REDRIVE_FOR: Duration = Duration::hours(24);
/// Orders re-sent per run at most: a bound on one run's work after a long queue outage.
pub const RESEND_MAX: usize = 500;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProvisioningResent {
    /// Orders whose provisioning job was sent again (the archived run lists the first 100).
    pub resent: Vec<OrderId>,
    pub resent_total: usize,
    /// Sends that failed (tried again next run), with why.
    pub failed: Vec<FailedExpiry>,
}

/// Sends the provisioning job again, under the id checkout gave it, for every order still `new` more than
/// `overdue` after checkout and still within its hold (older ones are expired first), and for every order that
/// entered `processing` (its `updated_at`: only transitions move it) more than `stuck` ago and less than
/// `PROCESSING_REDRIVE_FOR` ago — paid, part provisioned: carried on, to completed or, when the panels keep
/// failing, dispute. A job that was only slow rather than lost runs once all the same: the worker claims a job
/// id once (a dead worker's claim lapses before the next delivery), and provisioning a provisioned order
/// changes nothing.
pub async fn resend_provisioning(
    ctx: &impl InventoryEnv,
    overdue: Duration,
    stuck: Duration,
    hold: Duration,
) -> Result<ProvisioningResent, PortError> {
    let now = ctx.clock().now();
    let (from, to) = (now - hold, now - overdue);
    let stalled = ctx.stores().orders.by_status(OrderStatus::New, from, to).await?;
    let stalled = stalled.into_iter().filter(|o| o.created_at > from && o.created_at <= to);
    let cutoff = now - stuck;
    let processing =
        ctx.stores().orders.by_status(OrderStatus::Processing, DateTime::<Utc>::UNIX_EPOCH, cutoff).await?;
    let given_up = now - PROCESSING_REDRIVE_FOR;
    let processing = processing.into_iter().filter(|o| o.updated_at <= cutoff && o.updated_at > given_up);
    let mut report = ProvisioningResent::default();
    for order in stalled.chain(processing).take(RESEND_MAX) {
        let payload = ProvisionJob { order_id: order.id.clone() };
        let id = provisioning::job_id(&order.id);
        match dispatch_as(ctx.queue(), ctx.clock(), id, PROVISION_JOB, &payload, Priority::High).await {
            Ok(_) => {
                tracing::warn!(order_id = %order.id, status = ?order.order_status, "provisioning job sent again");
                report.resent.push(order.id);
                report.resent_total += 1;
            }
            Err(e) => report.failed.push(FailedExpiry { order_id: order.id, error: e.to_string() }),
        }
    }
    Ok(report)
}
