//! The real-time registry: open WebSocket connections and the channels each is on, kept both ways (see
//! `keys::ws_connection`): a channel's connections for a broadcast, a connection's channels for its disconnect.
//! Every row expires with API Gateway's 2-hour limit on its connection, so a connection that vanished without a
//! `$disconnect` leaves nothing behind for long (and what it leaves is read as gone once its time is past).

use super::{codec, keys, query_all};
use proxy_core::domain::{Connection, Subscriber};
use proxy_core::error::{PortError, PortResult};
use proxy_core::ports::table::{Condition, Index, Item, KeyRange, Query, Table, TransactOp, number, string};
use std::sync::Arc;

/// Deletes per transaction when a connection's rows go (its connection row and two rows per channel).
const DELETES_PER_TRANSACTION: usize = 24;

#[derive(Clone)]
pub struct ConnectionStore {
    table: Arc<dyn Table>,
}

fn with_ttl(mut item: Item, connection: &Connection) -> Item {
    item.insert("ttl".into(), number(connection.expires_at().timestamp()));
    item
}

impl ConnectionStore {
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self { table }
    }

    /// Registers a new connection (`$connect`); registering its id again changes nothing.
    pub async fn register(&self, connection: &Connection) -> PortResult<()> {
        let mut item = codec::encode(connection, &[])?;
        item.extend(keys::ws_connection(&connection.connection_id).to_item());
        match self.table.put(with_ttl(item, connection), Some(Condition::NotExists)).await {
            Err(PortError::Conflict { .. }) | Ok(()) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// The connection, while it is registered and within its lifetime.
    pub async fn get(&self, connection_id: &str) -> PortResult<Option<Connection>> {
        match self.table.get(&keys::ws_connection(connection_id)).await? {
            Some(item) => Ok(Some(codec::decode(item, &[])?)),
            None => Ok(None),
        }
    }

    /// Names the user of an anonymous connection, once a signature proved it theirs (their private channel, a
    /// presence channel's signed member): true when the connection is now `subject`'s, false when it is gone or
    /// already another user's (its user never changes).
    pub async fn identify(&self, connection_id: &str, subject: &str) -> PortResult<bool> {
        use proxy_core::ports::table::{Update, UpdateAction};
        let update = Update {
            key: keys::ws_connection(connection_id),
            actions: vec![UpdateAction::Set("subject".into(), string(subject))],
            condition: Some(Condition::And(vec![
                Condition::Exists,
                Condition::Or(vec![
                    Condition::AttributeEquals("subject".into(), string("")),
                    Condition::AttributeEquals("subject".into(), string(subject)),
                ]),
            ])),
        };
        match self.table.update(update).await {
            Ok(_) => Ok(true),
            Err(PortError::Conflict { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Puts `connection` on `channel` as `member` (a presence channel's user, with its `user_info`), both ways
    /// at once, only while the connection is registered: a `Conflict` when it is gone. Subscribing again
    /// refreshes the member.
    pub async fn subscribe(
        &self,
        connection: &Connection,
        member: &str,
        channel: &str,
        user_info: &serde_json::Value,
    ) -> PortResult<()> {
        let id = &connection.connection_id;
        let member = Subscriber { connection_id: id.clone(), subject: member.to_owned(), user_info: user_info.clone() };
        let mut row = codec::encode(&member, &[])?;
        row.extend(keys::ws_channel_member(channel, id).to_item());
        let mut own = keys::ws_subscription(id, channel).to_item();
        own.insert("channel".into(), string(channel));
        self.table
            .transact(vec![
                TransactOp::Check { key: keys::ws_connection(id), condition: Condition::Exists },
                TransactOp::Put { item: with_ttl(row, connection), condition: None },
                TransactOp::Put { item: with_ttl(own, connection), condition: None },
            ])
            .await
    }

    /// Takes the connection off `channel`; a connection not on it changes nothing.
    pub async fn unsubscribe(&self, connection_id: &str, channel: &str) -> PortResult<()> {
        self.table
            .transact(vec![
                TransactOp::Delete { key: keys::ws_channel_member(channel, connection_id), condition: None },
                TransactOp::Delete { key: keys::ws_subscription(connection_id, channel), condition: None },
            ])
            .await
    }

    /// Every live connection on `channel` (one query per page of about a megabyte: ~5,000 rows).
    pub async fn subscribers(&self, channel: &str) -> PortResult<Vec<Subscriber>> {
        let query = Query::new(Index::Primary, keys::ws_channel_partition(channel))
            .range(KeyRange::BeginsWith(keys::WS_MEMBER_PREFIX.into()))
            .consistent();
        query_all(&*self.table, query).await
    }

    /// The channels the connection is on.
    pub async fn channels_of(&self, connection_id: &str) -> PortResult<Vec<String>> {
        let query = Query::new(Index::Primary, keys::ws_connection_partition(connection_id))
            .range(KeyRange::BeginsWith(keys::WS_SUBSCRIPTION_PREFIX.into()))
            .consistent();
        #[derive(serde::Deserialize)]
        struct Own {
            channel: String,
        }
        Ok(query_all::<Own>(&*self.table, query).await?.into_iter().map(|own| own.channel).collect())
    }

    /// Forgets the connection (`$disconnect`, or a post it is gone for): its record first — so that a subscribe
    /// racing it fails its condition instead of leaving a row behind — then its rows on every channel. Returns
    /// the channels it was on. Forgetting it twice, or at once from two places, leaves the same nothing; one that
    /// stopped half-way is finished by running it again (the channel rows are found through the connection's
    /// partition).
    pub async fn forget(&self, connection_id: &str) -> PortResult<Vec<String>> {
        self.table.delete(&keys::ws_connection(connection_id), None).await?;
        let channels = self.channels_of(connection_id).await?;
        let deletes: Vec<TransactOp> = channels
            .iter()
            .flat_map(|channel| {
                [
                    TransactOp::Delete { key: keys::ws_channel_member(channel, connection_id), condition: None },
                    TransactOp::Delete { key: keys::ws_subscription(connection_id, channel), condition: None },
                ]
            })
            .collect();
        for chunk in deletes.chunks(DELETES_PER_TRANSACTION) {
            self.table.transact(chunk.to_vec()).await?;
        }
        Ok(channels)
    }
}
