//! `GET /admin/notifications` (`ADMIN_NOTIFICATIONS`), `POST /admin/notifications/{id}/read`
//! (`ADMIN_NOTIFICATION_READ`) and `POST /admin/notifications/read` (`ADMIN_NOTIFICATIONS_READ`): the dashboard's
//! notifications — the admins' inbox, which the alerts' changes go to — each admin with their own read marks and
//! unread count. The inbox itself is `platform::notifications`.

use api::{ApiError, ApiRequest, Identity, page};
use platform::notifications::{self, AllRead, InboxPage, MarkedRead, NotificationsEnv};
use proxy_core::domain::Inbox;

/// The caller's view of the admins' inbox, newest first, a page at a time, with their unread count.
pub async fn list(ctx: &impl NotificationsEnv, request: ApiRequest, caller: Identity) -> Result<InboxPage, ApiError> {
    let page = page::parse(request.query(), &notifications::list_scope(&Inbox::Admins))?;
    Ok(notifications::list(ctx, &Inbox::Admins, &caller.subject, page.limit, page.after).await?)
}

/// The caller has read one notification (again is fine; 404 when there is no such notification).
pub async fn mark_read(
    ctx: &impl NotificationsEnv,
    request: ApiRequest,
    caller: Identity,
) -> Result<MarkedRead, ApiError> {
    let id = request.path_param("id")?;
    let marked = notifications::mark_read_by_text(ctx, &Inbox::Admins, &caller.subject, &id).await?;
    marked.ok_or_else(|| ApiError::not_found("Notification"))
}

/// The caller has read everything until now.
pub async fn mark_all_read(
    ctx: &impl NotificationsEnv,
    _request: ApiRequest,
    caller: Identity,
) -> Result<AllRead, ApiError> {
    Ok(notifications::mark_all_read_now(ctx, &Inbox::Admins, &caller.subject).await?)
}

/// The list's query for the OpenAPI document.
pub fn add_inputs(inputs: &mut api::openapi::Inputs) {
    inputs.add(&api::routes::ADMIN_NOTIFICATIONS, api::openapi::OperationInput::query(api::page::query_parameters()));
}
