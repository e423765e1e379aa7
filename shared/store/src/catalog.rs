use super::{codec, keys};
use proxy_core::domain::SlotCounters;
use proxy_core::domain::{Plan, PlanId, Server, ServerId, ServerStatus};
use proxy_core::error::PortResult;
use proxy_core::ports::table::{
    Condition, Index, KeyRange, Query, Table, TransactOp, Update, UpdateAction, number, string,
};
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

    /// The servers of `ids` that exist, in one batched read.
    pub async fn servers_by_id(&self, ids: &[ServerId]) -> PortResult<Vec<Server>> {
        let keys: Vec<_> = ids.iter().map(keys::server).collect();
        self.table.get_many(&keys).await?.into_iter().map(|i| codec::decode(i, &[])).collect()
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

    /// Moves a server from status `from` to `to`: a conflict when it is no longer in `from` (another operator
    /// or check moved it first). Returns the server as written.
    pub async fn set_status(&self, id: &ServerId, from: ServerStatus, to: ServerStatus) -> PortResult<Server> {
        let item = self
            .table
            .update(Update {
                key: keys::server(id),
                actions: vec![UpdateAction::Set("status".into(), string(to.as_str()))],
                condition: Some(Condition::AttributeEquals("status".into(), string(from.as_str()))),
            })
            .await?;
        codec::decode(item, &[])
    }

    /// Sets a server's three counters to `to`, on condition that they are still `from` (reconciliation: a
    /// checkout or provisioning landing in between makes this a conflict instead of being overwritten).
    pub async fn repair_counters(&self, id: &ServerId, from: SlotCounters, to: SlotCounters) -> PortResult<()> {
        let fields = [
            ("active_clients", from.used, to.used),
            ("held_clients", from.held, to.held),
            ("free_slots", from.free, to.free),
        ];
        self.table
            .update(Update {
                key: keys::server(id),
                actions: fields.iter().map(|(name, _, to)| UpdateAction::Set((*name).into(), number(to))).collect(),
                condition: Some(Condition::And(
                    fields
                        .iter()
                        .map(|(name, from, _)| Condition::AttributeEquals((*name).into(), number(from)))
                        .collect(),
                )),
            })
            .await
            .map(|_| ())
    }

    /// Holds `quantity` slots on a server inside the checkout transaction: fails unless the server is up and
    /// has that many free slots, so capacity can never be oversold.
    pub fn hold_op(&self, server: &ServerId, quantity: u32) -> TransactOp {
        let q = Decimal::from(quantity);
        TransactOp::Update(Update {
            key: keys::server(server),
            actions: vec![UpdateAction::Add("free_slots".into(), -q), UpdateAction::Add("held_clients".into(), q)],
            condition: Some(Condition::And(vec![
                Condition::AttributeEquals("status".into(), string(ServerStatus::Up.as_str())),
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

    /// A provisioned client leaves the server (migrated away, or expired): its slot is free again.
    pub fn move_out_op(&self, server: &ServerId) -> TransactOp {
        TransactOp::Update(Update {
            key: keys::server(server),
            actions: vec![
                UpdateAction::Add("active_clients".into(), -Decimal::ONE),
                UpdateAction::Add("free_slots".into(), Decimal::ONE),
            ],
            condition: Some(Condition::AtLeast("active_clients".into(), Decimal::ONE)),
        })
    }

    /// A provisioned client arrives (a migration's target): fails unless the server is up with a free slot.
    pub fn move_in_op(&self, server: &ServerId) -> TransactOp {
        TransactOp::Update(Update {
            key: keys::server(server),
            actions: vec![
                UpdateAction::Add("active_clients".into(), Decimal::ONE),
                UpdateAction::Add("free_slots".into(), -Decimal::ONE),
            ],
            condition: Some(Condition::And(vec![
                Condition::AttributeEquals("status".into(), string(ServerStatus::Up.as_str())),
                Condition::AtLeast("free_slots".into(), Decimal::ONE),
            ])),
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
