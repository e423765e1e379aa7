//! Client idempotency keys (`Idempotency-Key` header): the first request with a key records what it created,
//! in the same transaction as the creation; a retry finds the record and returns the first result.

use super::keys;
use chrono::{DateTime, Utc};
use proxy_core::domain::{CustomerId, OrderId};
use proxy_core::error::PortResult;
use proxy_core::ports::table::{Condition, Table, TransactOp, Value, number, string};
use std::sync::Arc;

/// How long a key is remembered.
pub const KEEP_HOURS: i64 = 24;

#[derive(Clone)]
pub struct IdempotencyKeyStore {
    table: Arc<dyn Table>,
}

impl IdempotencyKeyStore {
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self { table }
    }

    /// The write recording `key` -> `order` (and the fingerprint of the request that used it), failing when
    /// the key was used before (within its 24 h).
    pub fn record_op(
        &self,
        customer: &CustomerId,
        key: &str,
        order: &OrderId,
        fingerprint: &str,
        now: DateTime<Utc>,
    ) -> TransactOp {
        let mut item = keys::request(customer, key).to_item();
        item.insert("order_id".into(), string(order.as_str()));
        item.insert("fingerprint".into(), string(fingerprint));
        item.insert("ttl".into(), number(now.timestamp() + KEEP_HOURS * 3600));
        TransactOp::Put { item, condition: Some(Condition::NotExists) }
    }

    /// The order a key created and the fingerprint of the request that created it, if the key is known.
    pub async fn order_for(&self, customer: &CustomerId, key: &str) -> PortResult<Option<(OrderId, String)>> {
        let Some(item) = self.table.get(&keys::request(customer, key)).await? else {
            return Ok(None);
        };
        let text = |name: &str| match item.get(name) {
            Some(Value::S(value)) => Some(value.clone()),
            _ => None,
        };
        Ok(text("order_id").map(|id| (OrderId(id), text("fingerprint").unwrap_or_default())))
    }
}
