//! `send_push_notification`: a customer's notifications — stored in their inbox and pushed to their private
//! channel when they are connected (`notify`, through the notifications queue: `jobs`) — and their HTTP routes,
//! `GET /api/notifications`, `POST /api/notifications/{id}/read` and `POST /api/notifications/read`: the caller's
//! own inbox only, newest first, with the unread count. The inbox itself is `platform::notifications`.

use api::{ApiError, ApiRequest, Identity, page};
use platform::notifications::{self, AllRead, InboxPage, MarkedRead, NotificationsEnv};
use proxy_core::domain::{CustomerId, Inbox, Notification};
use proxy_core::error::PortResult;

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

/// The caller has read one of their notifications (again is fine; 404 when their inbox has no such one).
pub async fn mark_read(
    ctx: &impl NotificationsEnv,
    request: ApiRequest,
    caller: Identity,
) -> Result<MarkedRead, ApiError> {
    let id = request.path_param("id")?;
    let marked = notifications::mark_read_by_text(ctx, &inbox_of(&caller), &caller.subject, &id).await?;
    marked.ok_or_else(|| ApiError::not_found("Notification"))
}

/// The caller has read all their notifications until now.
pub async fn mark_all_read(
    ctx: &impl NotificationsEnv,
    _request: ApiRequest,
    caller: Identity,
) -> Result<AllRead, ApiError> {
    Ok(notifications::mark_all_read_now(ctx, &inbox_of(&caller), &caller.subject).await?)
}
