//! `GET /admin/notifications` (`ADMIN_NOTIFICATIONS`), `POST /admin/notifications/{id}/read`
//! (`ADMIN_NOTIFICATION_READ`) and `POST /admin/notifications/read` (`ADMIN_NOTIFICATIONS_READ`): the dashboard's
//! notifications — the admins' inbox, which the alerts' changes go to — each admin with their own read marks and
//! unread count. The inbox itself is `platform::notifications`.

use api::{ApiError, ApiRequest, Identity, page};
use chrono::{DateTime, Utc};
use platform::notifications::{self, InboxPage, NotificationsEnv};
use proxy_core::domain::{Inbox, NotificationId};
use serde::Serialize;
use store::Marked;

/// The caller's view of the admins' inbox, newest first, a page at a time, with their unread count.
pub async fn list(ctx: &impl NotificationsEnv, request: ApiRequest, caller: Identity) -> Result<InboxPage, ApiError> {
    let page = page::parse(request.query(), &notifications::list_scope(&Inbox::Admins))?;
    Ok(notifications::list(ctx, &Inbox::Admins, &caller.subject, page.limit, page.after).await?)
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarkedRead {
    pub id: NotificationId,
    pub read: bool,
}

/// The caller has read one notification (again is fine; 404 when there is no such notification).
pub async fn mark_read(
    ctx: &impl NotificationsEnv,
    request: ApiRequest,
    caller: Identity,
) -> Result<MarkedRead, ApiError> {
    let not_found = || ApiError::not_found("Notification");
    let id = NotificationId::parse(&request.path_param("id")?).ok_or_else(not_found)?;
    match notifications::mark_read(ctx, &Inbox::Admins, &caller.subject, &id).await? {
        Marked::Read => Ok(MarkedRead { id, read: true }),
        Marked::NotFound => Err(not_found()),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AllRead {
    /// Everything made up to this time is read.
    pub read_until: DateTime<Utc>,
}

/// The caller has read everything until now.
pub async fn mark_all_read(
    ctx: &impl NotificationsEnv,
    _request: ApiRequest,
    caller: Identity,
) -> Result<AllRead, ApiError> {
    let up_to = notifications::mark_all_read(ctx, &Inbox::Admins, &caller.subject).await?;
    Ok(AllRead { read_until: up_to.made_at().unwrap_or_else(|| ctx.clock().now()) })
}

/// The list's query for the OpenAPI document.
pub fn add_inputs(inputs: &mut api::openapi::Inputs) {
    inputs.add(&api::routes::ADMIN_NOTIFICATIONS, api::openapi::OperationInput::query(api::page::query_parameters()));
}
