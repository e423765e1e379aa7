use super::{codec, keys};
use crate::domain::{Customer, CustomerId};
use crate::error::PortResult;
use crate::ports::table::{Condition, Table, TransactOp};
use std::sync::Arc;

#[derive(Clone)]
pub struct CustomerStore {
    table: Arc<dyn Table>,
}

impl CustomerStore {
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self { table }
    }

    /// Creates the customer; fails with a conflict when the id, username or e-mail is taken. The guards are
    /// written in the same transaction, so uniqueness holds under concurrency.
    pub async fn create(&self, customer: &Customer) -> PortResult<()> {
        let mut item = codec::encode(customer, &[])?;
        item.extend(keys::customer(&customer.id).to_item());
        let guard = |key: crate::ports::table::Key| {
            let mut item = key.to_item();
            item.insert("customer_id".into(), crate::ports::table::string(customer.id.as_str()));
            TransactOp::Put { item, condition: Some(Condition::NotExists) }
        };
        self.table
            .transact(vec![
                TransactOp::Put { item, condition: Some(Condition::NotExists) },
                guard(keys::username_guard(&customer.username)),
                guard(keys::email_guard(&customer.email)),
            ])
            .await
    }

    pub async fn get(&self, id: &CustomerId) -> PortResult<Option<Customer>> {
        self.table.get(&keys::customer(id)).await?.map(|i| codec::decode(i, &[])).transpose()
    }
}
