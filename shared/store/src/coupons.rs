use super::{codec, keys};
use chrono::{DateTime, Utc};
use proxy_core::domain::{Coupon, CustomerId};
use proxy_core::error::{PortError, PortResult};
use proxy_core::ports::table::{
    Condition, Index, Query, Table, TransactOp, Update, UpdateAction, Value, number, string,
};
use rust_decimal::Decimal;
use std::sync::Arc;

/// Coupons. A limited coupon also stores `uses_left` (a number the store can decrement under a condition):
/// DynamoDB conditions cannot compare `used_count` with `usage_limit`, so the remaining count is kept as a
/// counter of its own and both move in the same update.
#[derive(Clone)]
pub struct CouponStore {
    table: Arc<dyn Table>,
}

const USES_LEFT: &str = "uses_left";

impl CouponStore {
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self { table }
    }

    pub async fn create(&self, coupon: &Coupon) -> PortResult<()> {
        let mut item = codec::encode(coupon, &[])?;
        item.extend(keys::coupon(&coupon.code).to_item());
        item.insert("gsi1pk".into(), string(keys::ALL_COUPONS));
        item.insert("gsi1sk".into(), string(coupon.code.to_uppercase()));
        if let Some(limit) = coupon.usage_limit {
            item.insert(USES_LEFT.into(), number(limit.saturating_sub(coupon.used_count)));
        }
        self.table.put(item, Some(Condition::NotExists)).await
    }

    pub async fn get(&self, code: &str) -> PortResult<Option<Coupon>> {
        self.table.get(&keys::coupon(code)).await?.map(|i| codec::decode(i, &[])).transpose()
    }

    /// Ends a coupon at `at` (inactive from then on, with who ended it and when): one conditional update. None
    /// when it had ended already or does not exist.
    pub async fn end(&self, code: &str, admin: &str, at: DateTime<Utc>) -> PortResult<Option<Coupon>> {
        let update = Update {
            key: keys::coupon(code),
            actions: vec![
                UpdateAction::Set("is_active".into(), Value::Bool(false)),
                UpdateAction::Set("ended_by".into(), string(admin)),
                UpdateAction::Set("ended_at".into(), string(at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))),
            ],
            condition: Some(Condition::And(vec![
                Condition::Exists,
                Condition::AttributeEquals("is_active".into(), Value::Bool(true)),
            ])),
        };
        match self.table.update(update).await {
            Ok(item) => Ok(Some(codec::decode(item, &[])?)),
            Err(PortError::Conflict { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every coupon, by code: one index partition (no scan).
    pub async fn all(&self) -> PortResult<Vec<Coupon>> {
        super::query_all(&*self.table, Query::new(Index::Gsi1, keys::ALL_COUPONS)).await
    }

    /// The writes that use the coupon once for `customer`, inside the checkout transaction: the first
    /// operation fails when the coupon is inactive or used up, the second (single-use coupons) when this
    /// customer used it before.
    pub fn use_ops(&self, coupon: &Coupon, customer: &CustomerId) -> Vec<TransactOp> {
        let mut condition = vec![Condition::AttributeEquals("is_active".into(), Value::Bool(true))];
        if coupon.usage_limit.is_some() {
            condition.push(Condition::AtLeast(USES_LEFT.into(), Decimal::ONE));
        }
        let mut actions = vec![UpdateAction::Add("used_count".into(), Decimal::ONE)];
        if coupon.usage_limit.is_some() {
            actions.push(UpdateAction::Add(USES_LEFT.into(), -Decimal::ONE));
        }
        let mut ops = vec![TransactOp::Update(Update {
            key: keys::coupon(&coupon.code),
            actions,
            condition: Some(Condition::And(condition)),
        })];
        if coupon.single_use_per_customer {
            let mut guard = keys::coupon_use(&coupon.code, customer).to_item();
            guard.insert("customer_id".into(), string(customer.as_str()));
            ops.push(TransactOp::Put { item: guard, condition: Some(Condition::NotExists) });
        }
        ops
    }

    /// The writes that give back one use of `coupon` by `customer` (a cancelled order): the count goes down,
    /// the remaining uses (limited coupons) up, and a single-use coupon's per-customer mark is removed so it can
    /// be used again.
    pub fn release_ops(&self, coupon: &Coupon, customer: &CustomerId) -> Vec<TransactOp> {
        let mut actions = vec![UpdateAction::Add("used_count".into(), -Decimal::ONE)];
        if coupon.usage_limit.is_some() {
            actions.push(UpdateAction::Add(USES_LEFT.into(), Decimal::ONE));
        }
        let mut ops = vec![TransactOp::Update(Update {
            key: keys::coupon(&coupon.code),
            actions,
            condition: Some(Condition::AtLeast("used_count".into(), Decimal::ONE)),
        })];
        if coupon.single_use_per_customer {
            ops.push(TransactOp::Delete { key: keys::coupon_use(&coupon.code, customer), condition: None });
        }
        ops
    }
}
