//! `send_push_notification`: a customer's notifications — stored in their inbox and pushed to their private
//! channel when they are connected (`notify`, through the notifications queue: `jobs`) — and their HTTP routes,
//! `GET /api/notifications`, `POST /api/notifications/{id}/read` and `POST /api/notifications/read`: the caller's
//! own inbox only, newest first, with the unread count. The inbox itself is `platform::notifications`.

use api::{ApiError, ApiRequest, Identity, page};
use chrono::{DateTime, Utc};
use platform::notifications::{self, InboxPage, NotificationsEnv};
use proxy_core::domain::{CustomerId, Inbox, Notification, NotificationId};
use proxy_core::error::PortResult;
use serde::Serialize;
use store::Marked;

/// Tells `customer` `notification`: stored once in their inbox and pushed to their connections.
pub async fn send(
    ctx: &(impl platform::deps::HasQueue + platform::deps::HasClock),
    customer: &CustomerId,
    notification: Notification,
) -> PortResult<()> {
    notifications::notify(ctx, Inbox::Customer(customer.clone()), notification).await
}

fn inbox_of(caller: &Identity) -> Inbox {
    Inbox::Customer(CustomerId(caller.subject.clone()))
}

/// The caller's notifications, newest first, a page at a time, with their unread count.
pub async fn list(ctx: &impl NotificationsEnv, request: ApiRequest, caller: Identity) -> Result<InboxPage, ApiError> {
    let inbox = inbox_of(&caller);
    let page = page::parse(request.query(), &notifications::list_scope(&inbox))?;
    Ok(notifications::list(ctx, &inbox, &caller.subject, page.limit, page.after).await?)
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarkedRead {
    pub id: NotificationId,
    pub read: bool,
}

/// The caller has read one of their notifications (again is fine; 404 when their inbox has no such one).
pub async fn mark_read(
    ctx: &impl NotificationsEnv,
    request: ApiRequest,
    caller: Identity,
) -> Result<MarkedRead, ApiError> {
    let not_found = || ApiError::not_found("Notification");
    let id = NotificationId::parse(&request.path_param("id")?).ok_or_else(not_found)?;
    match notifications::mark_read(ctx, &inbox_of(&caller), &caller.subject, &id).await? {
        Marked::Read => Ok(MarkedRead { id, read: true }),
        Marked::NotFound => Err(not_found()),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AllRead {
    /// Everything made up to this time is read.
    pub read_until: DateTime<Utc>,
}

/// The caller has read all their notifications until now.
pub async fn mark_all_read(
    ctx: &impl NotificationsEnv,
    _request: ApiRequest,
    caller: Identity,
) -> Result<AllRead, ApiError> {
    let up_to = notifications::mark_all_read(ctx, &inbox_of(&caller), &caller.subject).await?;
    Ok(AllRead { read_until: up_to.made_at().unwrap_or_else(|| ctx.clock().now()) })
}
