//! Inboxes of notifications. A notification is an item of its inbox's partition (`NOTE#<id>`, ids sort by time),
//! kept `KEEP_DAYS`. What a reader has read is a mark "everything up to this id" (`READER#<reader>`, moved by
//! "mark all read") and one item per notification read after it (`READ#<reader>#<id>`, kept as long as the
//! notification): so the admins share one inbox and each admin has their own unread count, without a write per
//! admin when something happens. Counting unread is bounded: the newest `UNREAD_LIMIT` past the mark.

use super::{codec, keys};
use chrono::{DateTime, Utc};
use proxy_core::domain::{Inbox, Notification, NotificationId};
use proxy_core::error::{PortError, PortResult};
use proxy_core::ports::table::{
    Condition, Cursor, Index, Item, KeyRange, ListScope, PK, Query, SK, TTL, Table, TransactOp, Update, UpdateAction,
    Value, number, string,
};
use std::collections::BTreeSet;
use std::sync::Arc;

/// How long a notification (and its read marks) is kept.
pub const KEEP_DAYS: i64 = 90;
/// The most unread notifications counted; beyond it the count says "at least" (a badge shows "99+").
pub const UNREAD_LIMIT: usize = 100;
const READ_BEFORE: &str = "read_before";

#[derive(Clone)]
pub struct NotificationStore {
    table: Arc<dyn Table>,
}

/// A reader's unread notifications in an inbox: `count` of them, or at least that many when `more`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unread {
    pub count: usize,
    pub more: bool,
}

/// What a reader has read of an inbox, as far as it concerns the notifications after their mark.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReadState {
    /// Every notification up to this id is read ("mark all read").
    pub read_before: Option<NotificationId>,
    /// The notifications after it read one by one (the newest `UNREAD_LIMIT * 2` at most).
    pub read: BTreeSet<NotificationId>,
}

impl ReadState {
    pub fn has_read(&self, id: &NotificationId) -> bool {
        self.read_before.as_ref().is_some_and(|before| id <= before) || self.read.contains(id)
    }
}

/// Whether marking a notification read found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marked {
    Read,
    /// No such notification in the inbox (or it has expired).
    NotFound,
}

impl NotificationStore {
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self { table }
    }

    /// Puts `notification` into `inbox`; whether it was new (the same id again is a no-op).
    pub async fn put(&self, inbox: &Inbox, notification: &Notification) -> PortResult<bool> {
        let mut item = codec::encode(notification, &[])?;
        item.extend(keys::notification(inbox, &notification.id).to_item());
        item.insert(TTL.into(), number(expires(notification.created_at)));
        match self.table.put(item, Some(Condition::NotExists)).await {
            Ok(()) => Ok(true),
            Err(PortError::Conflict { .. }) => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// A page of the inbox, newest first.
    pub async fn page(
        &self,
        inbox: &Inbox,
        limit: usize,
        after: Option<Cursor>,
    ) -> PortResult<(Vec<Notification>, Option<Cursor>)> {
        let query = Query::new(Index::Primary, keys::inbox_partition(inbox))
            .range(KeyRange::BeginsWith(keys::NOTIFICATION_PREFIX.into()))
            .descending()
            .limit(limit)
            .start_after(after);
        super::query_page(&*self.table, query).await
    }

    /// Where a page of `page` may start.
    pub fn page_scope(inbox: &Inbox) -> ListScope {
        ListScope {
            keys: vec![PK, SK],
            partition: (PK, keys::inbox_partition(inbox)),
            sort_prefix: Some((SK, keys::NOTIFICATION_PREFIX)),
        }
    }

    /// What `reader` has read of `inbox`: their mark, then the notifications read one by one after it (two reads).
    pub async fn read_state(&self, inbox: &Inbox, reader: &str) -> PortResult<ReadState> {
        let read_before = match self.table.get(&keys::inbox_reader(inbox, reader)).await? {
            Some(item) => match item.get(READ_BEFORE) {
                Some(Value::S(id)) => Some(NotificationId(id.clone())),
                _ => None,
            },
            None => None,
        };
        let prefix = keys::read_mark_prefix(reader);
        let from = format!("{prefix}{}", read_before.as_ref().map_or("", NotificationId::as_str));
        let query = Query::new(Index::Primary, keys::inbox_partition(inbox))
            .range(KeyRange::Between(from, format!("{prefix}~")))
            .descending()
            .limit(UNREAD_LIMIT * 2);
        let page = self.table.query(query).await?;
        let read = page
            .items
            .iter()
            .filter_map(|item| match item.get(SK) {
                Some(Value::S(sk)) => sk.strip_prefix(&prefix).map(|id| NotificationId(id.to_owned())),
                _ => None,
            })
            .collect();
        Ok(ReadState { read_before, read })
    }

    /// How many notifications of `inbox` `reader` has not read, given what they have (one query: the newest
    /// `UNREAD_LIMIT` after their mark).
    pub async fn unread(&self, inbox: &Inbox, state: &ReadState) -> PortResult<Unread> {
        let from =
            format!("{}{}", keys::NOTIFICATION_PREFIX, state.read_before.as_ref().map_or("", NotificationId::as_str));
        let query = Query::new(Index::Primary, keys::inbox_partition(inbox))
            .range(KeyRange::Between(from, format!("{}~", keys::NOTIFICATION_PREFIX)))
            .descending()
            .limit(UNREAD_LIMIT);
        let page = self.table.query(query).await?;
        let count = page.items.iter().filter_map(note_id).filter(|id| !state.has_read(id)).count();
        Ok(Unread { count, more: page.next.is_some() })
    }

    /// `reader` has read notification `id` of `inbox`: one transaction (the notification is there; the mark is
    /// put once). Marking it again is not an error.
    pub async fn mark_read(&self, inbox: &Inbox, reader: &str, id: &NotificationId) -> PortResult<Marked> {
        let mut mark = keys::read_mark(inbox, reader, id).to_item();
        let kept_until = id.made_at().map_or(0, expires);
        mark.insert(TTL.into(), number(kept_until));
        let ops = vec![
            TransactOp::Check { key: keys::notification(inbox, id), condition: Condition::Exists },
            TransactOp::Put { item: mark, condition: Some(Condition::NotExists) },
        ];
        match self.table.transact(ops).await {
            Ok(()) | Err(PortError::Conflict { op_index: Some(1) }) => Ok(Marked::Read),
            Err(PortError::Conflict { op_index: Some(0) }) => Ok(Marked::NotFound),
            Err(error) => Err(error),
        }
    }

    /// `reader` has read everything in `inbox` made up to `now`: one write.
    pub async fn mark_all_read(&self, inbox: &Inbox, reader: &str, now: DateTime<Utc>) -> PortResult<NotificationId> {
        let up_to = NotificationId::upper_bound(now);
        let update = Update {
            key: keys::inbox_reader(inbox, reader),
            actions: vec![UpdateAction::Set(READ_BEFORE.into(), string(up_to.as_str()))],
            condition: None,
        };
        self.table.update(update).await?;
        Ok(up_to)
    }
}

fn expires(created_at: DateTime<Utc>) -> i64 {
    created_at.timestamp() + KEEP_DAYS * 86_400
}

fn note_id(item: &Item) -> Option<NotificationId> {
    match item.get(SK) {
        Some(Value::S(sk)) => sk.strip_prefix(keys::NOTIFICATION_PREFIX).map(|id| NotificationId(id.to_owned())),
        _ => None,
    }
}
