//! Live chat's HTTP routes, for clients with or without a socket: `/api/chats` (the caller's conversations;
//! `POST` opens or resumes theirs), `/api/chats/{id}/messages` (history with a cursor; send), `/api/chats/{id}/read`
//! and `/close`; and the admins' view, `GET /admin/chats` (open conversations, `assigned=me|none`) and
//! `POST /admin/chats/{id}/assign`.

use super::{ChatEnv, ChatError, ConversationView, ConversationsPage, MessagesPage, SentMessage};
use api::{ApiError, ApiRequest, FieldErrors, Identity, page};
use proxy_core::domain::CustomerId;
use proxy_core::validation::{add_error, parse_json};
use serde::{Deserialize, Serialize};
use store::{ChatStore, OpenConversations};

/// The longest admin id an assignment names (a Cognito subject is a 36-character UUID).
pub const MAX_ADMIN_ID: usize = 128;

fn api_error(error: ChatError) -> ApiError {
    match error {
        ChatError::NotFound => ApiError::not_found("Conversation"),
        ChatError::Closed => ApiError::new(409, "conversation_closed", "The conversation is closed; open a new one."),
        ChatError::CustomersOpen => {
            ApiError::new(403, "admins_answer_chats", "Customers open conversations; admins answer them.")
        }
        ChatError::Taken { assigned_to } => {
            ApiError::new(409, "conversation_taken", "Another admin has this conversation; take it over to move it.")
                .with_field("assigned_to", assigned_to)
        }
        ChatError::Backend(error) => error.into(),
    }
}

/// The caller's open conversation and whether this request opened it.
#[derive(Debug, Serialize)]
pub struct Started {
    pub conversation: ConversationView,
    /// False when it was already open (asking again is how a client finds it).
    pub started: bool,
}

/// `POST /api/chats`: the caller's open conversation with support, opened if they have none.
pub async fn start(ctx: &impl ChatEnv, _request: ApiRequest, caller: Identity) -> Result<Started, ApiError> {
    let (conversation, started) = super::start(ctx, &caller).await.map_err(api_error)?;
    Ok(Started { conversation, started })
}

/// `GET /api/chats`: the caller's conversations, newest first.
pub async fn list(ctx: &impl ChatEnv, request: ApiRequest, caller: Identity) -> Result<ConversationsPage, ApiError> {
    let customer = CustomerId(caller.subject.clone());
    let page = page::parse(request.query(), &ChatStore::customer_scope(&customer))?;
    super::of_customer(ctx, &customer, page.limit, page.after).await.map_err(api_error)
}

/// `GET /api/chats/{id}/messages`: a page of the history, newest first.
pub async fn messages(ctx: &impl ChatEnv, request: ApiRequest, caller: Identity) -> Result<MessagesPage, ApiError> {
    let id = request.path_param("id")?;
    let scope = super::history_scope(&id).ok_or_else(|| ApiError::not_found("Conversation"))?;
    let page = page::parse(request.query(), &scope)?;
    super::history(ctx, &caller, &id, page).await.map_err(api_error)
}

#[derive(Debug, Deserialize)]
struct SendBody {
    body: Option<String>,
}

/// `POST /api/chats/{id}/messages`: sends a message for the caller's side (`Idempotency-Key` makes a retry
/// return the first send's message instead of sending it again).
pub async fn send(ctx: &impl ChatEnv, request: ApiRequest, caller: Identity) -> Result<SentMessage, ApiError> {
    let id = request.path_param("id")?;
    let send_key = request.idempotency_key()?;
    let body: SendBody = parse_json(request.body_text()?).map_err(ApiError::validation)?;
    let text = super::checked_body(body.body).map_err(|reason| {
        let mut errors = FieldErrors::new();
        add_error(&mut errors, "body", reason);
        ApiError::validation(errors)
    })?;
    super::send(ctx, &caller, &id, text, send_key.as_deref()).await.map_err(api_error)
}

/// `POST /api/chats/{id}/read`: the caller has read the conversation so far.
pub async fn mark_read(
    ctx: &impl ChatEnv,
    request: ApiRequest,
    caller: Identity,
) -> Result<ConversationView, ApiError> {
    let id = request.path_param("id")?;
    super::mark_read(ctx, &caller, &id).await.map_err(api_error)
}

/// `POST /api/chats/{id}/close`: the customer or an admin ends the conversation.
pub async fn close(ctx: &impl ChatEnv, request: ApiRequest, caller: Identity) -> Result<ConversationView, ApiError> {
    let id = request.path_param("id")?;
    super::close(ctx, &caller, &id).await.map_err(api_error)
}

/// `GET /admin/chats`: the open conversations, the most recently active first (`assigned`: `me`, `none`, or
/// every one by default).
pub async fn admin_list(
    ctx: &impl ChatEnv,
    request: ApiRequest,
    caller: Identity,
) -> Result<ConversationsPage, ApiError> {
    let which = match request.query().get("assigned").map(String::as_str) {
        None | Some("any") => OpenConversations::All,
        Some("me") => OpenConversations::AssignedTo(caller.subject.clone()),
        Some("none") => OpenConversations::Unassigned,
        Some(_) => {
            let mut errors = FieldErrors::new();
            add_error(&mut errors, "assigned", "must be one of any, me, none");
            return Err(ApiError::validation(errors));
        }
    };
    let page = page::parse(request.query(), &ChatStore::open_scope(&which))?;
    super::open_for_support(ctx, &which, page.limit, page.after).await.map_err(api_error)
}

#[derive(Debug, Deserialize)]
struct AssignBody {
    admin_id: Option<String>,
    take_over: Option<bool>,
}

/// `POST /admin/chats/{id}/assign`: assigns the conversation to `admin_id` (the caller by default); one another
/// admin has is a 409 naming them unless `take_over`.
pub async fn assign(ctx: &impl ChatEnv, request: ApiRequest, caller: Identity) -> Result<ConversationView, ApiError> {
    let id = request.path_param("id")?;
    // An absent body reads as `{}`: the caller takes it.
    let body: AssignBody = parse_json(request.body_text()?).map_err(ApiError::validation)?;
    let admin = match body.admin_id {
        None => caller.subject.clone(),
        Some(admin) if is_admin_id(&admin) => admin,
        Some(_) => {
            let mut errors = FieldErrors::new();
            add_error(&mut errors, "admin_id", "must be 1 to 128 of A-Z a-z 0-9 _ - . @");
            return Err(ApiError::validation(errors));
        }
    };
    super::assign(ctx, &id, &admin, body.take_over.unwrap_or(false)).await.map_err(api_error)
}

/// An admin's subject as an assignment may name one (it becomes part of an index key).
fn is_admin_id(text: &str) -> bool {
    (1..=MAX_ADMIN_ID).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-.@".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_admin_id_is_a_key_safe_name() {
        assert!(is_admin_id("3b9f2c4e-6a1d-4e8b-9f0a-1c2d3e4f5a6b"));
        assert!(is_admin_id("ana@example.com"));
        for bad in ["", "a#b", "a b", &"a".repeat(MAX_ADMIN_ID + 1)] {
            assert!(!is_admin_id(bad), "{bad}");
        }
    }
}
