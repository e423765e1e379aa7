//! Each customer's event feed: the domain events about them, newest first, kept 30 days; and the admins' feed
//! of system alerts. The real-time service reads them for "what happened while I was away" and pushes new
//! entries over WebSocket.

use super::{codec, keys, query_page};
use proxy_core::domain::{Audience, CustomerId, DomainEvent};
use proxy_core::error::PortResult;
use proxy_core::ports::table::{Condition, Cursor, Index, KeyRange, ListScope, PK, Query, SK, Table, number, string};
use std::sync::Arc;

pub const KEEP_DAYS: i64 = 30;

/// An event of a feed with the id it was recorded and pushed under (empty for entries recorded before ids were
/// kept with them).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FeedEntry {
    #[serde(default)]
    pub event_id: String,
    #[serde(flatten)]
    pub event: DomainEvent,
}

#[derive(Clone)]
pub struct FeedStore {
    table: Arc<dyn Table>,
}

impl FeedStore {
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self { table }
    }

    /// Records `event` under `event_id`; recording the same id again is a no-op.
    pub async fn record(&self, event_id: &str, event: &DomainEvent) -> PortResult<()> {
        let mut item = codec::encode(event, &[])?;
        item.insert("event_id".into(), string(event_id));
        let key = match event.audience() {
            Audience::Customer(customer) => keys::feed_entry(customer, event.timestamp(), event_id),
            Audience::Admins => keys::admin_feed_entry(event.timestamp(), event_id),
        };
        item.extend(key.to_item());
        item.insert("ttl".into(), number(event.timestamp().timestamp() + KEEP_DAYS * 86_400));
        match self.table.put(item, Some(Condition::NotExists)).await {
            Err(proxy_core::error::PortError::Conflict { .. }) | Ok(()) => Ok(()),
            Err(e) => Err(e),
        }
    }

    pub async fn recent(
        &self,
        customer: &CustomerId,
        limit: usize,
        after: Option<Cursor>,
    ) -> PortResult<(Vec<DomainEvent>, Option<Cursor>)> {
        self.page(keys::feed_partition(customer), limit, after).await
    }

    /// The admins' feed (system alerts), newest first.
    pub async fn recent_for_admins(
        &self,
        limit: usize,
        after: Option<Cursor>,
    ) -> PortResult<(Vec<DomainEvent>, Option<Cursor>)> {
        self.page(keys::ADMIN_FEED.to_owned(), limit, after).await
    }

    /// A feed with each event's id (the id it was pushed under, for a client to match what it received live):
    /// the customer's, or the admins' for None, newest first.
    pub async fn activity(
        &self,
        customer: Option<&CustomerId>,
        limit: usize,
        after: Option<Cursor>,
    ) -> PortResult<(Vec<FeedEntry>, Option<Cursor>)> {
        self.page(Self::partition(customer), limit, after).await
    }

    fn partition(customer: Option<&CustomerId>) -> String {
        customer.map(keys::feed_partition).unwrap_or_else(|| keys::ADMIN_FEED.to_owned())
    }

    /// Where a page of a feed (the customer's, or the admins' for None) may start.
    pub fn page_scope(customer: Option<&CustomerId>) -> ListScope {
        ListScope {
            keys: vec![PK, SK],
            partition: (PK, Self::partition(customer)),
            sort_prefix: Some((SK, keys::FEED_PREFIX)),
        }
    }

    async fn page<T: serde::de::DeserializeOwned>(
        &self,
        partition: String,
        limit: usize,
        after: Option<Cursor>,
    ) -> PortResult<(Vec<T>, Option<Cursor>)> {
        let query = Query::new(Index::Primary, partition)
            .range(KeyRange::BeginsWith(keys::FEED_PREFIX.into()))
            .descending()
            .limit(limit)
            .start_after(after);
        query_page(&*self.table, query).await
    }
}
