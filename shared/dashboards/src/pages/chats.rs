//! `GET /admin/pages/chats` (`PAGE_CHATS`): the support inbox. The open conversations, the most recently active
//! first, with support's unread count and assignee (`assigned=me|none` narrows them; each has "Open" and "Take"),
//! and with `conversation=<id>` that conversation's latest messages (or that there is none such) with "Mark read", "Close", "Take over" and a
//! reply form. The figures are `GET /admin/chats`'s and `GET /api/chats/{id}/messages`'s; the buttons and the form
//! call `POST /admin/chats/{id}/assign`, `/api/chats/{id}/read`, `/close` and `/messages`.

use super::kit::{self, Action, action, badge, col, custom, num, panel, table, when};
use api::{ApiError, ApiRequest, Html, Identity};
use maud::{Markup, html};
use realtime::chat::ChatEnv;
use serde_json::Value;

/// The messages a conversation's panel shows (the newest; older ones through the API's cursor).
const MESSAGES_SHOWN: &str = "50";
/// Conversations listed.
const CONVERSATIONS_SHOWN: &str = "100";

pub async fn endpoint(ctx: &impl ChatEnv, request: ApiRequest, caller: Identity) -> Result<Html, ApiError> {
    let live = kit::live_reload(&request)?;
    let assigned = request.query().get("assigned").cloned();
    let conversation = request.query().get("conversation").filter(|id| !id.is_empty()).cloned();
    let mut list_query = vec![("limit".to_owned(), CONVERSATIONS_SHOWN.to_owned())];
    list_query.extend(assigned.clone().map(|a| ("assigned".to_owned(), a)));
    let list_request = ApiRequest { query: list_query.into_iter().collect(), ..ApiRequest::default() };
    let (list, messages) =
        tokio::join!(realtime::chat::endpoints::admin_list(ctx, list_request, caller.clone()), async {
            let id = conversation.as_ref()?;
            let request = ApiRequest {
                path_parameters: [("id".to_owned(), id.clone())].into_iter().collect(),
                query: [("limit".to_owned(), MESSAGES_SHOWN.to_owned())].into_iter().collect(),
                ..ApiRequest::default()
            };
            Some(realtime::chat::endpoints::messages(ctx, request, caller.clone()).await)
        });
    // A filter the list refuses is the page's 422, as the list's own.
    let list = match list {
        Err(error) if error.status == 422 => return Err(error),
        other => other,
    };
    let mut unavailable = Vec::new();
    let list = kit::part("open conversations", list, &mut unavailable);
    // A conversation that is not there (a stale link) is said in its panel; the inbox is still the page.
    let (messages, unknown) = match messages {
        Some(Err(error)) if error.status == 404 => (None, true),
        other => (other.and_then(|m| kit::part("conversation", m, &mut unavailable)), false),
    };
    let generated = ctx.clock().now().to_rfc3339();
    let body = html! {
        (inbox_panel(list.as_ref(), assigned.as_deref(), &caller.subject))
        @if let Some(messages) = &messages {
            (conversation_panel(messages))
            @if !live { (reply_panel(messages)) }
        }
        @if unknown {
            (panel("conversation", "Conversation", true, html! { p.empty { "There is no such conversation." } }))
        }
    };
    Ok(Html(
        kit::page("chats", "Support chat", &generated, &unavailable, Some(super::system::LIVE_REFRESH), body)
            .into_string(),
    ))
}

fn inbox_panel(list: Option<&Value>, assigned: Option<&str>, me: &str) -> Markup {
    let filters = [("any", "All open"), ("me", "Mine"), ("none", "Unassigned")];
    let current = assigned.unwrap_or("any");
    panel(
        "inbox",
        "Open conversations",
        true,
        html! {
            div.actions role="group" aria-label="Which conversations" {
                @for (value, label) in filters {
                    button type="button" data-view=(format!("assigned={value}")) aria-pressed=(if value == current { "true" } else { "false" }) data-test=(format!("filter-{value}")) { (label) }
                }
            }
            @match list {
                None => (kit::missing("The conversations")),
                Some(list) => {
                    @let rows = list["conversations"].as_array().cloned().unwrap_or_default();
                    @if rows.is_empty() { p.empty { "No open conversation." } } @else {
                        (table("Open conversations", &rows, &[
                            custom("Customer", false, |r| html! {
                                @if let Some(name) = r["customer_name"].as_str() { (name) br; small { (kit::text(r.get("customer_id"))) } }
                                @else { (kit::text(r.get("customer_id"))) }
                            }),
                            col("Last message", "/last_message"),
                            custom("Last activity", false, |r| when(r.get("last_message_at").filter(|v| !v.is_null()).or(r.get("created_at")))),
                            num("Messages", "/messages"),
                            custom("Unread", true, |r| {
                                let unread = r["unread"].as_u64().unwrap_or(0);
                                if unread == 0 { html! { "0" } } else { html! { span.badge.warn { (unread) " unread" } } }
                            }),
                            custom("Assigned to", false, |r| match r["assigned_to"].as_str() {
                                Some(admin) if admin == me => html! { "you" },
                                Some(admin) => html! { (admin) },
                                None => badge("unassigned"),
                            }),
                            custom("", false, |r| {
                                let id = kit::text(r.get("id"));
                                html! {
                                    button type="button" data-view=(format!("conversation={}", kit::segment(&id))) data-test="open-chat" { "Open" }
                                    @if r["assigned_to"].is_null() {
                                        (action(Action {
                                            label: "Take",
                                            method: "POST",
                                            url: format!("/admin/chats/{}/assign", kit::segment(&id)),
                                            body: None,
                                            confirm: None,
                                            done: "Conversation taken".into(),
                                            test: "take-chat",
                                            about: None,
                                        }))
                                    }
                                }
                            }),
                        ], Some(("data-conversation-id", "/id"))))
                    }
                }
            }
        },
    )
}

fn conversation_panel(page: &Value) -> Markup {
    let conversation = &page["conversation"];
    let id = kit::text(conversation.get("id"));
    let mut messages = page["messages"].as_array().cloned().unwrap_or_default();
    // The API answers newest first; a conversation reads oldest first.
    messages.reverse();
    let open = conversation["status"] == "open";
    panel(
        "conversation",
        &format!(
            "Conversation with {}",
            conversation["customer_name"]
                .as_str()
                .map_or_else(|| kit::text(conversation.get("customer_id")), str::to_owned)
        ),
        true,
        html! {
            p {
                (badge(conversation["status"].as_str().unwrap_or("open"))) " "
                @match conversation["assigned_to"].as_str() {
                    Some(admin) => { "Assigned to " (admin) "." }
                    None => { "Nobody has taken it yet." }
                }
                " " (kit::figure(conversation.get("unread"))) " unread."
            }
            @if page["next_cursor"].is_string() {
                p.meta { "Older messages are in its history (GET /api/chats/" (id) "/messages)." }
            }
            @if messages.is_empty() { p.empty { "No message yet." } } @else {
                ol.chat aria-label="Messages" {
                    @for message in &messages {
                        @let side = message["side"].as_str().unwrap_or("customer");
                        li class={ "message " (side) } data-message-id=(kit::text(message.get("id"))) {
                            p.meta {
                                strong { (if side == "support" { format!("Support ({})", kit::text(message.get("sender"))) } else { "Customer".to_owned() }) }
                                " · " (when(message.get("sent_at")))
                            }
                            p.body { (kit::text(message.get("body"))) }
                        }
                    }
                }
            }
            @if open {
                div.actions {
                    (action(Action {
                        label: "Mark read",
                        method: "POST",
                        url: format!("/api/chats/{}/read", kit::segment(&id)),
                        body: None,
                        confirm: None,
                        done: "Marked read".into(),
                        test: "read-chat",
                        about: None,
                    }))
                    (action(Action {
                        label: "Take over",
                        method: "POST",
                        url: format!("/admin/chats/{}/assign", kit::segment(&id)),
                        body: Some(serde_json::json!({"take_over": true})),
                        confirm: None,
                        done: "Conversation taken".into(),
                        test: "take-over-chat",
                        about: None,
                    }))
                    (action(Action {
                        label: "Close",
                        method: "POST",
                        url: format!("/api/chats/{}/close", kit::segment(&id)),
                        body: None,
                        confirm: Some("Close this conversation? It takes no more messages; the customer can open a new one.".into()),
                        done: "Conversation closed".into(),
                        test: "close-chat",
                        about: None,
                    }))
                }
            }
        },
    )
}

/// The reply form: outside the live panels, so the 5-second reload never wipes what is being typed.
fn reply_panel(page: &Value) -> Markup {
    let conversation = &page["conversation"];
    let id = kit::text(conversation.get("id"));
    panel(
        "reply",
        "Reply",
        false,
        html! {
            @if conversation["status"] == "open" {
                form data-action=(format!("/api/chats/{}/messages", kit::segment(&id))) data-method="POST" data-done="Message sent" data-test="reply-chat" {
                    div.field {
                        label for="chat-body" { "Message (up to 2000 characters)" }
                        textarea id="chat-body" name="body" rows="3" maxlength="2000" {}
                        span.error data-error-for="body" {}
                    }
                    button type="submit" { "Send" }
                }
            } @else {
                p.empty { "This conversation is closed." }
            }
        },
    )
}
