//! The real-time context's HTTP routes: the channel authorisation a Pusher client asks for before it joins a
//! private or presence channel.

use crate::channels::{Access, Channel};
use crate::deps::HasChannelsApp;
use crate::signature::is_socket_id;
use api::{ApiError, ApiRequest, FieldErrors, Identity, Verbatim};
use proxy_core::validation::add_error;
use serde_json::{Value, json};

/// The authorisation request's fields, from a form (`pusher-js`'s default) or a JSON object.
fn fields(request: &ApiRequest) -> Result<(Option<String>, Option<String>), ApiError> {
    let text = request.body_text()?;
    // pusher-js posts a form; a client posting JSON may not say so (a form never starts with a brace).
    let is_json =
        request.headers.get("content-type").is_some_and(|t| t.contains("json")) || text.trim_start().starts_with('{');
    if is_json {
        let body: Value = serde_json::from_str(text).map_err(|_| ApiError::bad_request("The body is not JSON."))?;
        let field = |name: &str| body[name].as_str().map(str::to_owned);
        return Ok((field("socket_id"), field("channel_name")));
    }
    let (mut socket_id, mut channel) = (None, None);
    for (name, value) in form_urlencoded::parse(text.as_bytes()) {
        match name.as_ref() {
            "socket_id" => socket_id = Some(value.into_owned()),
            "channel_name" => channel = Some(value.into_owned()),
            _ => {}
        }
    }
    Ok((socket_id, channel))
}

/// `POST /api/broadcasting/auth`: signs the caller's socket into one of the caller's own channels (Pusher's
/// `{"auth": "key:signature"}`, with the member's `channel_data` on a presence channel). Another customer's
/// channel, a conversation they do not take part in, or an admins' channel for a customer, is a 403; a malformed socket id or channel a 422.
pub async fn authorize_channel(
    ctx: &(impl HasChannelsApp + platform::deps::HasStores),
    request: ApiRequest,
    caller: Identity,
) -> Result<Verbatim, ApiError> {
    let (socket_id, channel_name) = fields(&request)?;
    let mut errors = FieldErrors::new();
    let socket_id = match socket_id {
        Some(id) if is_socket_id(&id) => Some(id),
        Some(_) => {
            add_error(&mut errors, "socket_id", "The socket id must be two groups of digits joined by a dot.");
            None
        }
        None => {
            add_error(&mut errors, "socket_id", "The socket id field is required.");
            None
        }
    };
    let channel = match channel_name.as_deref().map(Channel::parse) {
        Some(Ok(channel)) => Some(channel),
        Some(Err(error)) => {
            add_error(&mut errors, "channel_name", error.to_string());
            None
        }
        None => {
            add_error(&mut errors, "channel_name", "The channel name field is required.");
            None
        }
    };
    let (Some(socket_id), Some(channel)) = (socket_id, channel) else {
        return Err(ApiError::validation(errors));
    };
    match channel.access(&caller) {
        Access::Allowed => {}
        Access::IfParticipant(conversation) => {
            if !crate::chat::takes_part(ctx, &caller, &conversation).await? {
                return Err(ApiError::forbidden());
            }
        }
        Access::Denied => return Err(ApiError::forbidden()),
    }
    let app = ctx.channels_app().await.map_err(|reason| {
        tracing::error!(reason, "channel authorisation unavailable");
        ApiError::unavailable()
    })?;
    let name = channel.name();
    if !channel.is_presence() {
        return Ok(Verbatim(json!({ "auth": app.sign(&socket_id, &name, None) })));
    }
    let role = if caller.is_admin() { "admin" } else { "customer" };
    let channel_data = json!({"user_id": caller.subject, "user_info": {"role": role}}).to_string();
    Ok(Verbatim(json!({
        "auth": app.sign(&socket_id, &name, Some(&channel_data)),
        "channel_data": channel_data,
    })))
}

/// The channel authorisation's input and answer, for the OpenAPI document.
pub fn add_inputs(inputs: &mut api::openapi::Inputs) {
    let body = json!({
        "type": "object",
        "required": ["socket_id", "channel_name"],
        "properties": {
            "socket_id": {"type": "string", "pattern": "^[0-9]{1,20}\\.[0-9]{1,20}$"},
            "channel_name": {
                "type": "string",
                "maxLength": crate::channels::MAX_CHANNEL_NAME,
                "pattern": "^(private-(customer|chat)\\.[A-Za-z0-9_=@,;-]+|private-admin|presence-support|presence-admins)$"
            }
        }
    });
    let answer = json!({
        "type": "object",
        "required": ["auth"],
        "properties": {
            "auth": {"type": "string", "description": "key:hex(HMAC-SHA256(secret, socket_id:channel[:channel_data]))"},
            "channel_data": {"type": "string", "description": "A presence channel's member, as JSON: user_id, user_info."}
        }
    });
    let input = api::openapi::OperationInput::body_as(body, &["application/x-www-form-urlencoded", "application/json"])
        .answering_verbatim(answer);
    inputs.add(&api::routes::BROADCASTING_AUTH, input);
}
