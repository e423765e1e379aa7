//! What a customer reads about their orders: a page of their orders, or one order with its lines and the
//! clients provisioned for it. Someone else's order is reported exactly like a missing one.

use super::OrdersEnv;
use crate::provisioning::client_id;
use proxy_core::domain::*;
use proxy_core::error::PortResult;
use proxy_core::ports::table::Cursor;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OrderDetail {
    pub order: Order,
    pub items: Vec<OrderItem>,
    /// The proxy accounts created for it (empty until provisioning completes).
    pub clients: Vec<ServerClient>,
    /// The price breakdown it was charged by.
    pub quote: Option<proxy_core::pricing::Quote>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OrderPage {
    pub orders: Vec<Order>,
    /// Pass back as `cursor` for the next page; null on the last one.
    pub next_cursor: Option<String>,
}

/// A page of the customer's orders, newest first; the first page through the cache of views.
pub async fn list(
    ctx: &impl OrdersEnv,
    customer: &CustomerId,
    limit: usize,
    after: Option<Cursor>,
) -> PortResult<OrderPage> {
    let read = |after: Option<Cursor>| async move {
        let (orders, next) = ctx.stores().orders.of_customer(customer, limit, after).await?;
        Ok(OrderPage { orders, next_cursor: next.as_ref().map(Cursor::token) })
    };
    match after {
        None => ctx.tiered_cache().get_or_load(&crate::cached::orders_view(customer, limit), || read(None)).await,
        after => read(after).await,
    }
}

/// The order with its lines and clients, or None when it does not exist or is not the customer's.
pub async fn detail(
    ctx: &impl OrdersEnv,
    customer: &CustomerId,
    order_id: &OrderId,
) -> PortResult<Option<OrderDetail>> {
    let order = match ctx.stores().orders.get(order_id).await? {
        Some(order) if order.customer_id == *customer => order,
        _ => return Ok(None),
    };
    let (items, quote) = tokio::try_join!(ctx.stores().orders.lines(order_id), ctx.stores().orders.quote(order_id))?;
    // Client ids derive from the order, so the clients are one batched read by key, no index needed.
    let ids: Vec<ClientId> =
        items.iter().flat_map(|line| (0..line.quantity).map(|unit| client_id(order_id, line.line, unit))).collect();
    let provisioned = !matches!(order.order_status, OrderStatus::New | OrderStatus::Cancelled);
    let clients = if provisioned { ctx.stores().clients.get_many(&ids).await? } else { Vec::new() };
    Ok(Some(OrderDetail { order, items, clients, quote }))
}
