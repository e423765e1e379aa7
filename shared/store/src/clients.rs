use super::{codec, keys, query_all};
use chrono::{DateTime, Utc};
use proxy_core::domain::{ClientId, CustomerId, PlanId, ServerClient, ServerId};
use proxy_core::error::PortResult;
use proxy_core::ports::table::{
    Condition, Index, Item, KeyRange, Query, Table, TransactOp, Update, UpdateAction, Value, string,
};
use std::sync::Arc;

#[derive(Clone)]
pub struct ClientStore {
    table: Arc<dyn Table>,
}

impl ClientStore {
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self { table }
    }

    /// The client as an item, indexed by customer+server, by server+active and by expiry day.
    pub fn item(&self, client: &ServerClient) -> PortResult<Item> {
        let mut item = codec::encode(client, &[])?;
        item.extend(keys::client(&client.id).to_item());
        let created = keys::sortable_time(client.created_at);
        item.insert("gsi1pk".into(), string(keys::clients_of_customer(&client.customer_id)));
        item.insert("gsi1sk".into(), string(format!("{}#{created}#{}", client.server_id, client.id)));
        item.insert("gsi2pk".into(), string(keys::clients_of_server(&client.server_id, client.is_active)));
        item.insert("gsi2sk".into(), string(format!("{created}#{}", client.id)));
        item.insert("gsi3pk".into(), string(keys::clients_expiring_on(client.expires_at.date_naive())));
        item.insert("gsi3sk".into(), string(format!("{}#{}", keys::sortable_time(client.expires_at), client.id)));
        Ok(item)
    }

    /// The write creating a client, for use inside a provisioning transaction.
    pub fn create_op(&self, client: &ServerClient) -> PortResult<TransactOp> {
        Ok(TransactOp::Put { item: self.item(client)?, condition: Some(Condition::NotExists) })
    }

    /// The update moving an active client to another server and plan, with its index entries, on condition that
    /// it is still active on the server it was read on.
    pub fn move_op(&self, client: &ServerClient, to: &ServerId, to_plan: &PlanId) -> TransactOp {
        let created = keys::sortable_time(client.created_at);
        TransactOp::Update(Update {
            key: keys::client(&client.id),
            actions: vec![
                UpdateAction::Set("server_id".into(), string(to.as_str())),
                UpdateAction::Set("plan_id".into(), string(to_plan.as_str())),
                UpdateAction::Set("gsi1sk".into(), string(format!("{to}#{created}#{}", client.id))),
                UpdateAction::Set("gsi2pk".into(), string(keys::clients_of_server(to, true))),
            ],
            condition: Some(Condition::And(vec![
                Condition::AttributeEquals("server_id".into(), string(client.server_id.as_str())),
                Condition::AttributeEquals("is_active".into(), Value::Bool(true)),
            ])),
        })
    }

    /// The update ending an expired client: inactive on its server, out of the expiry index (what the sweep
    /// reads is only what is still to expire), on condition that it is still active on the server it was read
    /// on (a migration may have moved it, a second expiry may have ended it).
    pub fn expire_op(&self, client: &ServerClient) -> TransactOp {
        TransactOp::Update(Update {
            key: keys::client(&client.id),
            actions: vec![
                UpdateAction::Set("is_active".into(), Value::Bool(false)),
                UpdateAction::Set("gsi2pk".into(), string(keys::clients_of_server(&client.server_id, false))),
                UpdateAction::Remove("gsi3pk".into()),
                UpdateAction::Remove("gsi3sk".into()),
            ],
            condition: Some(Condition::And(vec![
                Condition::AttributeEquals("server_id".into(), string(client.server_id.as_str())),
                Condition::AttributeEquals("is_active".into(), Value::Bool(true)),
            ])),
        })
    }

    /// Records that the customer was told of the client's expiry: true for the one call that records it.
    pub async fn mark_expiry_notice(&self, id: &ClientId, now: DateTime<Utc>) -> PortResult<bool> {
        let update = Update {
            key: keys::client(id),
            actions: vec![UpdateAction::Set(
                "expiry_notice_at".into(),
                string(now.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
            )],
            condition: Some(Condition::And(vec![
                Condition::Exists,
                Condition::AttributeMissing("expiry_notice_at".into()),
            ])),
        };
        match self.table.update(update).await {
            Ok(_) => Ok(true),
            Err(proxy_core::error::PortError::Conflict { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    pub async fn create(&self, client: &ServerClient) -> PortResult<()> {
        self.table.put(self.item(client)?, Some(Condition::NotExists)).await
    }

    pub async fn get(&self, id: &ClientId) -> PortResult<Option<ServerClient>> {
        self.table.get(&keys::client(id)).await?.map(|i| codec::decode(i, &[])).transpose()
    }

    /// Several clients by id in batched reads; missing ones are left out. Returned in the order of `ids`.
    pub async fn get_many(&self, ids: &[ClientId]) -> PortResult<Vec<ServerClient>> {
        let keys: Vec<_> = ids.iter().map(keys::client).collect();
        let mut clients: Vec<ServerClient> =
            self.table.get_many(&keys).await?.into_iter().map(|i| codec::decode(i, &[])).collect::<PortResult<_>>()?;
        clients.sort_by_key(|c| ids.iter().position(|id| *id == c.id));
        Ok(clients)
    }

    /// A customer's clients, optionally on one server.
    pub async fn of_customer(&self, customer: &CustomerId, server: Option<&ServerId>) -> PortResult<Vec<ServerClient>> {
        let mut query = Query::new(Index::Gsi1, keys::clients_of_customer(customer));
        if let Some(server) = server {
            query = query.range(KeyRange::BeginsWith(format!("{server}#")));
        }
        query_all(&*self.table, query).await
    }

    /// A server's active (or inactive) clients.
    pub async fn of_server(&self, server: &ServerId, active: bool) -> PortResult<Vec<ServerClient>> {
        query_all(&*self.table, Query::new(Index::Gsi2, keys::clients_of_server(server, active))).await
    }

    /// Clients expiring in [from, to], one index partition per day.
    pub async fn expiring_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> PortResult<Vec<ServerClient>> {
        let mut out = Vec::new();
        let mut day = from.date_naive();
        while day <= to.date_naive() {
            let range = KeyRange::Between(keys::sortable_time(from), format!("{}~", keys::sortable_time(to)));
            out.extend(
                query_all::<ServerClient>(
                    &*self.table,
                    Query::new(Index::Gsi3, keys::clients_expiring_on(day)).range(range),
                )
                .await?,
            );
            day = day.succ_opt().unwrap_or(day);
            if day == chrono::NaiveDate::MAX {
                break;
            }
        }
        Ok(out)
    }
}
