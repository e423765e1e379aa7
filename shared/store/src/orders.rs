use super::{codec, keys, query_all};
use chrono::{DateTime, Utc};
use proxy_core::domain::{CustomerId, Order, OrderId, OrderItem, OrderStatus, PaymentStatus, ServerId};
use proxy_core::error::PortResult;
use proxy_core::ports::table::{
    Condition, Cursor, Index, Item, KeyRange, ListScope, PK, Query, SK, Table, TransactOp, Update, UpdateAction, Value,
    string,
};
use proxy_core::pricing::Quote;
use std::sync::Arc;

#[derive(Clone)]
pub struct OrderStore {
    table: Arc<dyn Table>,
}

fn time_window(from: DateTime<Utc>, to: DateTime<Utc>) -> KeyRange {
    // `~` sorts after every character used in ids, so the window includes everything at `to`.
    KeyRange::Between(keys::sortable_time(from), format!("{}~", keys::sortable_time(to)))
}

impl OrderStore {
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self { table }
    }

    /// The order as an item with its three index entries: by customer, by payment status, by order status.
    pub fn order_item(&self, order: &Order) -> PortResult<Item> {
        let mut item = codec::encode(order, &[])?;
        item.extend(keys::order(&order.id).to_item());
        let position = format!("{}#{}", keys::sortable_time(order.created_at), order.id);
        item.insert("gsi1pk".into(), string(keys::orders_of_customer(&order.customer_id)));
        item.insert("gsi1sk".into(), string(position.clone()));
        item.insert("gsi2pk".into(), string(keys::orders_by_payment_status(order.payment_status)));
        item.insert("gsi2sk".into(), string(position.clone()));
        item.insert("gsi3pk".into(), string(keys::orders_by_status(order.order_status)));
        item.insert("gsi3sk".into(), string(position));
        Ok(item)
    }

    /// An order line as an item, indexed by server and time.
    pub fn line_item(&self, line: &OrderItem) -> PortResult<Item> {
        let mut item = codec::encode(line, &[])?;
        item.extend(keys::order_item(&line.order_id, line.line).to_item());
        item.insert("gsi1pk".into(), string(keys::order_items_of_server(&line.server_id)));
        item.insert(
            "gsi1sk".into(),
            string(format!("{}#{}#{:04}", keys::sortable_time(line.created_at), line.order_id, line.line)),
        );
        Ok(item)
    }

    /// The writes that create an order with its lines, for use inside the checkout transaction.
    /// The order, its lines and the quote it was charged by (kept beside it, read only by the order's detail).
    pub fn create_ops(&self, order: &Order, lines: &[OrderItem], quote: &Quote) -> PortResult<Vec<TransactOp>> {
        let mut ops = vec![TransactOp::Put { item: self.order_item(order)?, condition: Some(Condition::NotExists) }];
        for line in lines {
            ops.push(TransactOp::Put { item: self.line_item(line)?, condition: Some(Condition::NotExists) });
        }
        let mut stored_quote = codec::encode(quote, &[])?;
        stored_quote.extend(keys::order_quote(&order.id).to_item());
        ops.push(TransactOp::Put { item: stored_quote, condition: Some(Condition::NotExists) });
        Ok(ops)
    }

    /// The quote an order was charged by (None for orders placed before quotes were kept).
    pub async fn quote(&self, id: &OrderId) -> PortResult<Option<Quote>> {
        self.table.get(&keys::order_quote(id)).await?.map(|i| codec::decode(i, &[])).transpose()
    }

    pub async fn get(&self, id: &OrderId) -> PortResult<Option<Order>> {
        self.table.get(&keys::order(id)).await?.map(|i| codec::decode(i, &[])).transpose()
    }

    pub async fn lines(&self, id: &OrderId) -> PortResult<Vec<OrderItem>> {
        query_all(
            &*self.table,
            Query::new(Index::Primary, keys::order_partition(id)).range(KeyRange::BeginsWith("ITEM#".into())),
        )
        .await
    }

    /// Where the positions of a customer's order list lie (the customer index).
    pub fn list_scope(customer: &CustomerId) -> ListScope {
        let (pk, sk) = Index::Gsi1.key_attributes();
        ListScope { keys: vec![PK, SK, pk, sk], partition: (pk, keys::orders_of_customer(customer)), sort_prefix: None }
    }

    /// A customer's orders, newest first, a page at a time.
    pub async fn of_customer(
        &self,
        customer: &CustomerId,
        limit: usize,
        after: Option<Cursor>,
    ) -> PortResult<(Vec<Order>, Option<Cursor>)> {
        super::query_page(
            &*self.table,
            Query::new(Index::Gsi1, keys::orders_of_customer(customer)).descending().limit(limit).start_after(after),
        )
        .await
    }

    /// Orders with a payment status created in [from, to], oldest first.
    pub async fn by_payment_status(
        &self,
        status: PaymentStatus,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> PortResult<Vec<Order>> {
        query_all(
            &*self.table,
            Query::new(Index::Gsi2, keys::orders_by_payment_status(status)).range(time_window(from, to)),
        )
        .await
    }

    /// Orders in an order status created in [from, to], oldest first.
    pub async fn by_status(
        &self,
        status: OrderStatus,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> PortResult<Vec<Order>> {
        query_all(&*self.table, Query::new(Index::Gsi3, keys::orders_by_status(status)).range(time_window(from, to)))
            .await
    }

    /// Order lines sold on a server in [from, to], oldest first.
    pub async fn lines_of_server(
        &self,
        server: &ServerId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> PortResult<Vec<OrderItem>> {
        query_all(
            &*self.table,
            Query::new(Index::Gsi1, keys::order_items_of_server(server)).range(time_window(from, to)),
        )
        .await
    }

    /// The update moving an order from one status to another, conditioned on it still being in `from` (so two
    /// workers racing on one order cannot both move it); usable inside a transaction.
    pub fn transition_op(&self, id: &OrderId, from: OrderStatus, to: OrderStatus, now: DateTime<Utc>) -> Update {
        let mut actions = vec![
            UpdateAction::Set("order_status".into(), string(to.as_str())),
            UpdateAction::Set("gsi3pk".into(), string(keys::orders_by_status(to))),
            UpdateAction::Set("updated_at".into(), string(now.to_rfc3339())),
        ];
        if to == OrderStatus::Completed {
            actions.push(UpdateAction::Set("completed_at".into(), string(now.to_rfc3339())));
        }
        Update {
            key: keys::order(id),
            actions,
            condition: Some(Condition::AttributeEquals("order_status".into(), Value::S(from.as_str().into()))),
        }
    }

    /// The update cancelling a new order and marking its payment refunded, conditioned on it still being new
    /// (provisioning, which moves it to processing, and a cancellation cannot both win).
    pub fn cancel_op(&self, id: &OrderId, now: DateTime<Utc>) -> Update {
        let mut update = self.transition_op(id, OrderStatus::New, OrderStatus::Cancelled, now);
        update.actions.push(UpdateAction::Set("payment_status".into(), string(PaymentStatus::Refunded.as_str())));
        update
            .actions
            .push(UpdateAction::Set("gsi2pk".into(), string(keys::orders_by_payment_status(PaymentStatus::Refunded))));
        update
    }

    /// Moves an order from one status to another; a conflict if it is no longer in `from`.
    pub async fn transition(
        &self,
        id: &OrderId,
        from: OrderStatus,
        to: OrderStatus,
        now: DateTime<Utc>,
    ) -> PortResult<Order> {
        let item = self.table.update(self.transition_op(id, from, to, now)).await?;
        codec::decode(item, &[])
    }
}
