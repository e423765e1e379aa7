//! Cancelling an order before provisioning starts: in one transaction the order moves new -> cancelled (its
//! payment refunded), its held capacity goes back to the servers, the wallet gets the money back and a coupon
//! its use. Provisioning moves the order new -> processing under the opposite condition, so exactly one of
//! the two wins; once provisioning has started the order can no longer be cancelled.

use super::OrdersEnv;
use platform::events::{publish, record_cancellation};
use proxy_core::domain::*;
use proxy_core::error::PortError;
use proxy_core::ports::table::TransactOp;
use store::new_wallet_transaction;

#[derive(Debug, thiserror::Error)]
pub enum CancelError {
    /// No such order, or not the caller's (the two are not told apart).
    #[error("order not found")]
    NotFound,
    #[error("an order in status {0:?} cannot be cancelled")]
    NotCancellable(OrderStatus),
    #[error(transparent)]
    Port(#[from] PortError),
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Cancelled {
    pub order: Order,
    /// None when nothing was paid (a 100 % coupon).
    pub refund: Option<WalletTransaction>,
}

/// Why an order is cancelled: the customer asked, or its hold ran out before provisioning started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelReason {
    Customer,
    HoldExpired,
}

/// The customer's cancellation of one of their orders.
pub async fn cancel(ctx: &impl OrdersEnv, customer: &CustomerId, order_id: &OrderId) -> Result<Cancelled, CancelError> {
    let order = match ctx.stores().orders.get(order_id).await? {
        Some(order) if order.customer_id == *customer => order,
        _ => return Err(CancelError::NotFound),
    };
    cancel_unprovisioned(ctx, order, CancelReason::Customer).await
}

/// Cancels an order that provisioning has not started (`new`), for `reason`: `NotCancellable` when it is no
/// longer new, including when provisioning or another cancellation wins the race on the order's status.
pub async fn cancel_unprovisioned(
    ctx: &impl OrdersEnv,
    order: Order,
    reason: CancelReason,
) -> Result<Cancelled, CancelError> {
    if order.order_status != OrderStatus::New {
        return Err(CancelError::NotCancellable(order.order_status));
    }
    let (customer, order_id) = (&order.customer_id.clone(), &order.id.clone());
    let now = ctx.clock().now();
    let lines = ctx.stores().orders.lines(order_id).await?;

    // The order's transition comes first: its failure (op 0) means provisioning (or another cancel) won.
    let mut ops = vec![TransactOp::Update(ctx.stores().orders.cancel_op(order_id, now))];
    for (server, units) in units_per_server(&lines) {
        ops.push(ctx.stores().catalog.release_op(&server, units));
    }
    ops.push(ctx.stores().customers.add_paid_op(customer, -order.grand_amount));
    let refund = (order.grand_amount > Money::ZERO).then(|| {
        let mut refund = new_wallet_transaction(
            customer,
            TransactionType::Refund,
            order.grand_amount,
            format!("refund:{order_id}"),
            match reason {
                CancelReason::Customer => format!("Refund of cancelled order {}", order.order_number),
                CancelReason::HoldExpired => {
                    format!("Refund of order {}: not provisioned within its hold", order.order_number)
                }
            },
            now,
        );
        refund.order_id = Some(order_id.clone());
        refund
    });
    if let Some(refund) = &refund {
        ops.extend(ctx.stores().wallets.transaction_ops(refund, now)?);
    }
    if let Some(code) = &order.coupon_code
        && let Some(coupon) = ctx.stores().coupons.get(code).await?
    {
        ops.extend(ctx.stores().coupons.release_ops(&coupon, customer));
    }
    match ctx.stores().commit_with_retry(ops).await {
        Ok(()) => {}
        Err(PortError::Conflict { op_index: Some(0) }) => {
            let status = ctx.stores().orders.get(order_id).await?.map(|o| o.order_status).unwrap_or(OrderStatus::New);
            return Err(CancelError::NotCancellable(status));
        }
        Err(e) => return Err(e.into()),
    }
    crate::cached::order_changed(ctx, customer).await;

    let cancelled = Order {
        order_status: OrderStatus::Cancelled,
        payment_status: PaymentStatus::Refunded,
        updated_at: now,
        ..order
    };
    publish(
        ctx,
        DomainEvent::OrderStatusChanged {
            order_id: order_id.clone(),
            customer_id: customer.clone(),
            old_status: Some(OrderStatus::New),
            new_status: OrderStatus::Cancelled,
            timestamp: now,
        },
    )
    .await;
    // The sale no longer counts: the analytics worker takes it back out of the daily counters.
    record_cancellation(ctx, &OrderFact::of(&cancelled, &lines)).await;
    if let Some(refund) = &refund {
        publish(
            ctx,
            DomainEvent::WalletBalanceChanged {
                customer_id: customer.clone(),
                transaction_id: refund.id.clone(),
                amount: refund.amount,
                reason: refund.description.clone(),
                timestamp: now,
            },
        )
        .await;
    }
    Ok(Cancelled { order: cancelled, refund })
}
