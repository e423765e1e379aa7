//! Notifications: told to an inbox (`notify`, through the `notifications` queue, so the change that causes one
//! is never held up by it), listed newest first with each one read or not for the reader and their unread
//! count, and marked read one at a time or all at once. The admins' inbox is what the dashboard shows (the
//! alerts put their openings, escalations and resolutions there); customers' inboxes are the real-time
//! service's.

use crate::deps::HasStores;
use crate::jobs::dispatch_as;
use proxy_core::domain::{Inbox, JobId, Notification, NotificationId, Priority};
use proxy_core::error::PortResult;
use proxy_core::ports::table::Cursor;
use serde::{Deserialize, Serialize};
use store::{Marked, NotificationStore};

crate::env!(
    /// What reading and marking an inbox needs: the clock and the store.
    NotificationsEnv: crate::deps::HasClock, crate::deps::HasStores
);

pub const NOTIFY_JOB: &str = "notification.deliver";

/// The `notification.deliver` job's payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    pub inbox: Inbox,
    pub notification: Notification,
}

/// Queues `notification` for `inbox` under a job id of the notification's id, so that sent twice it is stored
/// once.
pub async fn notify(
    ctx: &(impl crate::deps::HasQueue + crate::deps::HasClock),
    inbox: Inbox,
    notification: Notification,
) -> PortResult<()> {
    let id = JobId(format!("notification:{}:{}", inbox.name(), notification.id));
    let delivery = Delivery { inbox, notification };
    dispatch_as(ctx.queue(), ctx.clock(), id, NOTIFY_JOB, &delivery, Priority::Notifications).await.map(|_| ())
}

/// A notification as its reader sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReaderNotification {
    #[serde(flatten)]
    pub notification: Notification,
    pub read: bool,
}

/// A page of an inbox, with the reader's unread count (`unread_more`: at least that many).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InboxPage {
    pub notifications: Vec<ReaderNotification>,
    pub unread_count: usize,
    pub unread_more: bool,
    pub next_cursor: Option<String>,
}

/// One page of `inbox` for `reader`: what they have read (two reads), then the page and the unread count at once
/// (two queries).
pub async fn list(
    ctx: &impl NotificationsEnv,
    inbox: &Inbox,
    reader: &str,
    limit: usize,
    after: Option<Cursor>,
) -> PortResult<InboxPage> {
    let store = &ctx.stores().notifications;
    let state = store.read_state(inbox, reader).await?;
    let (page, unread) = futures_util::future::join(store.page(inbox, limit, after), store.unread(inbox, &state)).await;
    let (notifications, next) = page?;
    let unread = unread?;
    Ok(InboxPage {
        notifications: notifications
            .into_iter()
            .map(|notification| ReaderNotification { read: state.has_read(&notification.id), notification })
            .collect(),
        unread_count: unread.count,
        unread_more: unread.more,
        next_cursor: next.as_ref().map(Cursor::token),
    })
}

/// Where a page of `inbox` may start.
pub fn list_scope(inbox: &Inbox) -> proxy_core::ports::table::ListScope {
    NotificationStore::page_scope(inbox)
}

/// A notification marked read, as the inbox routes answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarkedRead {
    pub id: NotificationId,
    pub read: bool,
}

/// Everything made up to `read_until` is read, as the inbox routes answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AllRead {
    pub read_until: chrono::DateTime<chrono::Utc>,
}

/// `reader` has read notification `id` of `inbox` (the text of a route's path): None when the inbox has no such
/// notification, or the text is no notification id.
pub async fn mark_read_by_text(
    ctx: &impl NotificationsEnv,
    inbox: &Inbox,
    reader: &str,
    id: &str,
) -> PortResult<Option<MarkedRead>> {
    let Some(id) = NotificationId::parse(id) else {
        return Ok(None);
    };
    Ok(match mark_read(ctx, inbox, reader, &id).await? {
        Marked::Read => Some(MarkedRead { id, read: true }),
        Marked::NotFound => None,
    })
}

/// `reader` has read everything in `inbox` until now.
pub async fn mark_all_read_now(ctx: &impl NotificationsEnv, inbox: &Inbox, reader: &str) -> PortResult<AllRead> {
    let up_to = mark_all_read(ctx, inbox, reader).await?;
    Ok(AllRead { read_until: up_to.made_at().unwrap_or_else(|| ctx.clock().now()) })
}

/// `reader` has read notification `id`.
pub async fn mark_read(
    ctx: &impl NotificationsEnv,
    inbox: &Inbox,
    reader: &str,
    id: &NotificationId,
) -> PortResult<Marked> {
    ctx.stores().notifications.mark_read(inbox, reader, id).await
}

/// `reader` has read everything in `inbox` until now; returns the id everything up to is read.
pub async fn mark_all_read(ctx: &impl NotificationsEnv, inbox: &Inbox, reader: &str) -> PortResult<NotificationId> {
    ctx.stores().notifications.mark_all_read(inbox, reader, ctx.clock().now()).await
}

/// Stores `notification` in `inbox`, once under its id: the `notification.deliver` job's effect, which the
/// real-time context's consumer of that job writes before it pushes the notification to its reader.
pub async fn store(ctx: &impl HasStores, inbox: &Inbox, notification: &Notification) -> PortResult<()> {
    let new = ctx.stores().notifications.put(inbox, notification).await?;
    tracing::info!(inbox = inbox.name(), notification_id = %notification.id, kind = notification.kind, new, "notification stored");
    Ok(())
}
