use super::{codec, keys};
use crate::domain::{Plan, PlanId, Server, ServerId};
use crate::error::PortResult;
use crate::ports::table::{Condition, Index, KeyRange, Query, Table, TransactOp, Update, UpdateAction, Value, string};
use rust_decimal::Decimal;
use std::sync::Arc;

/// Servers and their plans: small, read-mostly data.
#[derive(Clone)]
pub struct CatalogStore {
    table: Arc<dyn Table>,
}

impl CatalogStore {
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self { table }
    }

    /// Creates a server; a conflict if the id exists.
    pub async fn create_server(&self, server: &Server) -> PortResult<()> {
        let mut item = codec::encode(server, &[])?;
        item.extend(keys::server(&server.id).to_item());
        item.insert("gsi1pk".into(), string(keys::ALL_SERVERS));
        item.insert("gsi1sk".into(), string(format!("{}#{}", server.location, server.id)));
        self.table.put(item, Some(Condition::NotExists)).await
    }

    pub async fn server(&self, id: &ServerId) -> PortResult<Option<Server>> {
        self.table.get(&keys::server(id)).await?.map(|i| codec::decode(i, &[])).transpose()
    }

    /// Every server, ordered by location: one index partition, read page by page (no scan).
    pub async fn servers(&self) -> PortResult<Vec<Server>> {
        super::query_all(&*self.table, Query::new(Index::Gsi1, keys::ALL_SERVERS)).await
    }

    pub async fn create_plan(&self, plan: &Plan) -> PortResult<()> {
        let mut item = codec::encode(plan, &[])?;
        item.extend(keys::plan(&plan.id).to_item());
        item.insert("gsi1pk".into(), string(keys::ALL_PLANS));
        item.insert("gsi1sk".into(), string(format!("{}#{}", plan.server_id, plan.id)));
        self.table.put(item, Some(Condition::NotExists)).await
    }

    pub async fn plan(&self, id: &PlanId) -> PortResult<Option<Plan>> {
        self.table.get(&keys::plan(id)).await?.map(|i| codec::decode(i, &[])).transpose()
    }

    pub async fn plans_of_server(&self, server: &ServerId) -> PortResult<Vec<Plan>> {
        super::query_all(
            &*self.table,
            Query::new(Index::Gsi1, keys::ALL_PLANS).range(KeyRange::BeginsWith(format!("{server}#"))),
        )
        .await
    }

    pub async fn plans(&self) -> PortResult<Vec<Plan>> {
        super::query_all(&*self.table, Query::new(Index::Gsi1, keys::ALL_PLANS)).await
    }

    /// Holds `quantity` slots on a server inside the checkout transaction: fails unless the server is up and
    /// has that many free slots, so capacity can never be oversold.
    pub fn hold_op(&self, server: &ServerId, quantity: u32) -> TransactOp {
        let q = Decimal::from(quantity);
        TransactOp::Update(Update {
            key: keys::server(server),
            actions: vec![UpdateAction::Add("free_slots".into(), -q), UpdateAction::Add("held_clients".into(), q)],
            condition: Some(Condition::And(vec![
                Condition::AttributeEquals("status".into(), Value::S("up".into())),
                Condition::AtLeast("free_slots".into(), q),
            ])),
        })
    }

    /// Gives held slots back (a cancelled or failed order).
    pub fn release_op(&self, server: &ServerId, quantity: u32) -> TransactOp {
        let q = Decimal::from(quantity);
        TransactOp::Update(Update {
            key: keys::server(server),
            actions: vec![UpdateAction::Add("free_slots".into(), q), UpdateAction::Add("held_clients".into(), -q)],
            condition: Some(Condition::AtLeast("held_clients".into(), q)),
        })
    }

    /// Turns held slots into active clients (provisioning done).
    pub fn activate_op(&self, server: &ServerId, quantity: u32) -> TransactOp {
        let q = Decimal::from(quantity);
        TransactOp::Update(Update {
            key: keys::server(server),
            actions: vec![UpdateAction::Add("held_clients".into(), -q), UpdateAction::Add("active_clients".into(), q)],
            condition: Some(Condition::AtLeast("held_clients".into(), q)),
        })
    }
}
