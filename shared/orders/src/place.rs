//! Placing an order: two batched reads (plans, coupon and customer; servers and wallet — see
//! `services::pricing::cart`), the pricing engine's quote over them, then **one** conditional transaction that
//! holds capacity on every server, debits the wallet by the quote's total, uses the coupon, adds to the paid
//! total within the loyalty band the quote assumed, writes the order, its lines, its quote and the wallet
//! transaction, and records the idempotency key. Any failed condition aborts all of it and is reported as the
//! 4xx it means. Then the provisioning job goes to the `high` queue.

use super::OrdersEnv;
use super::requests::ValidOrder;
use crate::provisioning::{PROVISION_JOB, ProvisionJob};
use chrono::{DateTime, Utc};
use platform::events::{publish_once, record_fact};
use platform::jobs::dispatch_as;
use pricing::cart;
use proxy_core::domain::*;
use proxy_core::error::PortError;
use proxy_core::ports::table::TransactOp;
use proxy_core::pricing::Quote;
use proxy_core::validation::FieldErrors;
use proxy_core::validation::add_error;
use rust_decimal::Decimal;
use store::new_wallet_transaction;

#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    pub order: Order,
    pub items: Vec<OrderItem>,
    /// True when an earlier request with the same idempotency key created it.
    pub replayed: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum PlaceError {
    #[error("the order is invalid")]
    Invalid(FieldErrors),
    #[error("server {0} is not available")]
    ServerUnavailable(ServerId),
    #[error("server {0} has no capacity left")]
    NoCapacity(ServerId),
    #[error("the wallet holds {balance}, the order costs {required}")]
    InsufficientFunds { required: Money, balance: Money },
    /// The caller's token names no customer profile (deleted, or never completed sign-up).
    #[error("customer {0} has no profile")]
    UnknownCustomer(CustomerId),
    /// The `Idempotency-Key` was used before for a different request.
    #[error("the idempotency key was used for a different request")]
    KeyReused,
    #[error("payment method {0:?} is not available")]
    PaymentMethodUnavailable(PaymentMethod),
    /// The price is not the one the customer was shown: `expected_total` differs from the quote, or a concurrent
    /// order changed the customer's loyalty tier or first-order offer while this one was priced.
    #[error("the order no longer costs {quoted}")]
    PriceChanged {
        /// The price the request expected (or was priced at, for a concurrent change).
        quoted: Money,
        /// What it costs now, when known without a new quote.
        current: Option<Money>,
    },
    #[error("the wallet is in {wallet}, the order in {order}")]
    CurrencyMismatch { wallet: String, order: String },
    #[error(transparent)]
    Port(#[from] PortError),
}

fn invalid(field: &str, message: &str) -> PlaceError {
    let mut errors = FieldErrors::new();
    add_error(&mut errors, field, message);
    PlaceError::Invalid(errors)
}

/// What each operation of the transaction stands for, to explain a failed condition.
#[derive(Debug, Clone, PartialEq)]
enum Cause {
    Capacity(ServerId),
    Customer,
    Wallet,
    Coupon,
    CouponOncePerCustomer,
    IdempotencyKey,
    Other,
}

pub async fn place(
    ctx: &impl OrdersEnv,
    customer: &CustomerId,
    request: ValidOrder,
    idempotency_key: Option<&str>,
) -> Result<Placed, PlaceError> {
    place_as(ctx, OrderId::generate(), customer, request, idempotency_key).await
}

/// `place` with the new order's id chosen by the caller: the demo data set places orders with ids derived from
/// its seed, so that two runs produce the same shop. An id already in use fails the transaction (a conflict).
pub async fn place_as(
    ctx: &impl OrdersEnv,
    order_id: OrderId,
    customer: &CustomerId,
    request: ValidOrder,
    idempotency_key: Option<&str>,
) -> Result<Placed, PlaceError> {
    if request.payment_method != PaymentMethod::Wallet {
        // Card and crypto gateways are not connected yet; an order they cannot pay must not hold capacity.
        return Err(PlaceError::PaymentMethodUnavailable(request.payment_method));
    }
    // A retried request returns what the first one created. (Checked before anything else: the first order may
    // have spent the wallet or the capacity this retry would otherwise be refused for.)
    let fingerprint = request.fingerprint();
    if let Some(key) = idempotency_key
        && let Some(placed) = replay(ctx, customer, key, &fingerprint).await?
    {
        return Ok(placed);
    }
    let now = ctx.clock().now();

    // Two batched reads: the plans, the coupon, its use by this customer and the customer; then the servers
    // and the wallet.
    let plan_ids: Vec<PlanId> = request.lines.iter().map(|l| l.plan_id.clone()).collect();
    let coupon_code = request.coupon_code.as_deref();
    let cart = cart::load(ctx, customer, &plan_ids, coupon_code, true).await?;
    let errors = cart::cart_errors(&cart, &request.lines, request.server_id.as_ref(), coupon_code);
    if !errors.is_empty() {
        return Err(PlaceError::Invalid(errors));
    }
    let Some(buyer) = &cart.items.customer else {
        return Err(PlaceError::UnknownCustomer(customer.clone()));
    };

    let wanted: Vec<(ServerId, u32)> = request
        .lines
        .iter()
        .filter_map(|line| cart.items.plans.get(&line.plan_id).map(|plan| (plan.server_id.clone(), line.quantity)))
        .collect();
    let per_server = units_per_server(&wanted);
    for (server_id, quantity) in &per_server {
        match cart.items.servers.get(server_id) {
            Some(server) if server.status == ServerStatus::Up => {
                if server.free_slots < *quantity {
                    return Err(PlaceError::NoCapacity(server_id.clone()));
                }
            }
            _ => return Err(PlaceError::ServerUnavailable(server_id.clone())),
        }
    }
    // The engine's quote is the price: the order charges its total and keeps it.
    let quote: Quote = cart::price(&cart, buyer, &request.lines, request.duration_months, now)
        .map_err(|refusal| PlaceError::Invalid(cart::refusal_errors(&refusal)))?;
    if let Some(expected) = request.expected_total
        && expected != quote.total
    {
        return Err(PlaceError::PriceChanged { quoted: expected, current: Some(quote.total) });
    }
    let coupon = cart.items.coupon.clone();
    let wallet = cart.items.wallet.clone().unwrap_or_else(|| Wallet {
        customer_id: customer.clone(),
        balance: Decimal::ZERO,
        currency: request.currency.clone(),
        updated_at: now,
    });
    if wallet.currency != request.currency {
        return Err(PlaceError::CurrencyMismatch { wallet: wallet.currency, order: request.currency });
    }
    if wallet.balance < quote.total {
        return Err(PlaceError::InsufficientFunds { required: quote.total, balance: wallet.balance });
    }

    // The order as it will be written.
    let order = Order {
        order_number: order_number(&order_id, now),
        id: order_id.clone(),
        customer_id: customer.clone(),
        subtotal: quote.subtotal,
        discount: quote.discount,
        grand_amount: quote.total,
        currency: request.currency.clone(),
        payment_method: request.payment_method,
        payment_status: PaymentStatus::Paid,
        order_status: OrderStatus::New,
        coupon_code: coupon.as_ref().map(|c| c.code.clone()),
        duration_months: request.duration_months,
        notes: request.notes.clone(),
        item_count: quote.lines.len() as u32,
        created_at: now,
        updated_at: now,
        completed_at: None,
    };
    let items: Vec<OrderItem> = quote
        .lines
        .iter()
        .enumerate()
        .map(|(i, line)| OrderItem {
            order_id: order_id.clone(),
            line: i as u32,
            plan_id: line.plan_id.clone(),
            server_id: line.server_id.clone(),
            quantity: line.quantity,
            unit_amount: line.unit_amount,
            total_amount: line.total_amount,
            created_at: now,
            expires_at: cart
                .items
                .plans
                .get(&line.plan_id)
                .map(|plan| now + chrono::Duration::days(i64::from(plan.days * request.duration_months))),
        })
        .collect();

    // One transaction, each operation tagged with what its failure means.
    let mut ops: Vec<(Cause, TransactOp)> = Vec::new();
    for (server_id, quantity) in &per_server {
        ops.push((Cause::Capacity(server_id.clone()), ctx.stores().catalog.hold_op(server_id, *quantity)));
    }
    // The paid total that loyalty tiers derive from: kept here, once per order, in the same transaction.
    let band = quote.loyalty.paid_band(&cart.rules.rules);
    ops.push((Cause::Customer, ctx.stores().customers.add_paid_within_op(customer, quote.total, band)));
    let debit = order_debit(&order);
    for (i, op) in ctx.stores().wallets.transaction_ops(&debit, now)?.into_iter().enumerate() {
        ops.push((if i == 0 { Cause::Wallet } else { Cause::Other }, op));
    }
    if let Some(coupon) = &coupon {
        for (i, op) in ctx.stores().coupons.use_ops(coupon, customer).into_iter().enumerate() {
            ops.push((if i == 0 { Cause::Coupon } else { Cause::CouponOncePerCustomer }, op));
        }
    }
    for op in ctx.stores().orders.create_ops(&order, &items, &quote)? {
        ops.push((Cause::Other, op));
    }
    if let Some(key) = idempotency_key {
        ops.push((
            Cause::IdempotencyKey,
            ctx.stores().idempotency_keys.record_op(customer, key, &order_id, &fingerprint, now),
        ));
    }
    let (causes, ops): (Vec<Cause>, Vec<TransactOp>) = ops.into_iter().unzip();

    match ctx.stores().commit_with_retry(ops).await {
        Ok(()) => {}
        Err(PortError::Conflict { op_index }) => {
            // A concurrent duplicate with the same key may have won, and made an earlier condition fail first.
            if let Some(key) = idempotency_key
                && let Some(placed) = replay(ctx, customer, key, &fingerprint).await?
            {
                return Ok(placed);
            }
            let cause = op_index.and_then(|i| causes.get(i)).cloned().unwrap_or(Cause::Other);
            return Err(explain_conflict(ctx, customer, cause, quote.total).await?);
        }
        Err(e) => return Err(e.into()),
    }

    follow_up(ctx, &order, &items).await;
    Ok(Placed { order, items, replayed: false })
}

/// The wallet debit paying for `order`. Its id derives from the order, so the debit's event can be rebuilt for
/// a replayed order without reading the wallet.
fn order_debit(order: &Order) -> WalletTransaction {
    let mut debit = new_wallet_transaction(
        &order.customer_id,
        TransactionType::Debit,
        order.grand_amount,
        payment_reference(&order.id),
        format!("Order {}", order.order_number),
        order.created_at,
    );
    debit.id = TransactionId(uuid::Uuid::new_v5(&DEBIT_NAMESPACE, order.id.as_str().as_bytes()).to_string());
    debit.order_id = Some(order.id.clone());
    debit
}

/// The number customers and support quote. It carries the whole order id, which the order's conditional put
/// makes unique, so two orders of a day never share a number (a prefix of the id would, by the birthday bound,
/// once a day's orders reach tens of thousands).
pub fn order_number(order: &OrderId, placed_at: DateTime<Utc>) -> String {
    format!("ORD-{}-{}", placed_at.format("%Y%m%d"), order.as_str().to_uppercase())
}

/// The wallet reference of an order's payment: one per order id, which the wallet's reference guard holds to
/// one debit however often the checkout is retried.
pub fn payment_reference(order: &OrderId) -> String {
    format!("order:{order}")
}

const DEBIT_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x1000_7072_6f78_7900_8000_0000_0000_0002);

/// What follows a committed order: the provisioning job (to the `high` queue), its events and its analytics
/// fact. Each is sent under an id derived from the order, so a replay that cannot know whether the first
/// request got this far (it may have died right after the commit) sends them again and the worker still runs
/// each once. A failed send leaves a paid `new` order, which a retry with the same key or the operator (orders
/// by status) sends again; the error is logged for the alarm.
async fn follow_up(ctx: &impl OrdersEnv, order: &Order, items: &[OrderItem]) {
    let id = crate::provisioning::job_id(&order.id);
    let payload = ProvisionJob { order_id: order.id.clone() };
    if let Err(error) = dispatch_as(ctx.queue(), ctx.clock(), id, PROVISION_JOB, &payload, Priority::High).await {
        tracing::error!(order_id = %order.id, %error, "provisioning job not dispatched");
    }
    // After the job is on its way: a slow cache does not delay provisioning.
    crate::cached::order_changed(ctx, &order.customer_id).await;
    announce(ctx, order, items).await;
}

/// The events and the analytics fact of a new order.
async fn announce(ctx: &impl OrdersEnv, order: &Order, items: &[OrderItem]) {
    let debit = order_debit(order);
    publish_once(
        ctx,
        &format!("order:{}:placed", order.id),
        DomainEvent::OrderStatusChanged {
            order_id: order.id.clone(),
            customer_id: order.customer_id.clone(),
            old_status: None,
            new_status: OrderStatus::New,
            timestamp: order.created_at,
        },
    )
    .await;
    publish_once(
        ctx,
        &format!("order:{}:debited", order.id),
        DomainEvent::WalletBalanceChanged {
            customer_id: order.customer_id.clone(),
            transaction_id: debit.id.clone(),
            amount: debit.amount,
            reason: debit.description.clone(),
            timestamp: debit.created_at,
        },
    )
    .await;
    record_fact(ctx, &OrderFact::of(order, items)).await;
}

/// Turns a failed transaction condition into the error it means (reading what it needs to say so).
async fn explain_conflict(
    ctx: &impl OrdersEnv,
    customer: &CustomerId,
    cause: Cause,
    required: Money,
) -> Result<PlaceError, PortError> {
    Ok(match cause {
        Cause::Capacity(server) => match ctx.stores().catalog.server(&server).await? {
            Some(s) if s.status == ServerStatus::Up => PlaceError::NoCapacity(server),
            _ => PlaceError::ServerUnavailable(server),
        },
        // The profile is gone, or its paid total left the band the order was priced for (a concurrent order).
        Cause::Customer => match ctx.stores().customers.get(customer).await? {
            None => PlaceError::UnknownCustomer(customer.clone()),
            Some(_) => PlaceError::PriceChanged { quoted: required, current: None },
        },
        Cause::Wallet => {
            let balance = ctx.stores().wallets.get(customer).await?.map(|w| w.balance).unwrap_or_default();
            PlaceError::InsufficientFunds { required, balance }
        }
        Cause::Coupon => invalid("coupon_code", "has been used up"),
        Cause::CouponOncePerCustomer => invalid("coupon_code", "has already been used by you"),
        // The key's record exists but its order could not be read back: report a conflict, the client retries.
        Cause::IdempotencyKey | Cause::Other => PlaceError::Port(PortError::Conflict { op_index: None }),
    })
}

/// The order an idempotency key created, with its lines.
pub async fn replay(
    ctx: &impl OrdersEnv,
    customer: &CustomerId,
    key: &str,
    fingerprint: &str,
) -> Result<Option<Placed>, PlaceError> {
    let Some((order_id, first)) = ctx.stores().idempotency_keys.order_for(customer, key).await? else {
        return Ok(None);
    };
    // Keys recorded before fingerprints existed carry none and are taken as matching.
    if !first.is_empty() && first != fingerprint {
        return Err(PlaceError::KeyReused);
    }
    let Some(order) = ctx.stores().orders.get(&order_id).await? else {
        return Ok(None);
    };
    let items = ctx.stores().orders.lines(&order_id).await?;
    // Still `new`: the first request may have died between its commit and its follow-ups.
    if order.order_status == OrderStatus::New {
        follow_up(ctx, &order, &items).await;
    }
    Ok(Some(Placed { order, items, replayed: true }))
}
