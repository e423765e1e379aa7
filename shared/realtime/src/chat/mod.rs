//! `initialize_live_chat`: a conversation between a customer and support. A customer has one open conversation
//! (asking again gives the same one); any admin may answer it, and one may take it (assignment). Messages are
//! kept in order with a cursor over the history, each side's unread count is what the other side wrote less what
//! it has read, and every message goes out on the conversation's channel (`private-chat.<id>`, which only its
//! customer and the admins may join) and as the conversation's new state to the customer's and the admins'
//! channels (`delivery`). The HTTP routes (`endpoints`) let a client without a socket do all of it.

pub mod delivery;
pub mod endpoints;
#[cfg(feature = "openapi")]
pub mod openapi;

use crate::channels::Channel;
use api::Identity;
use chrono::{DateTime, Utc};
use platform::deps::{HasClock, HasQueue, HasStores};
use proxy_core::domain::chat::MAX_MESSAGE_CHARS;
use proxy_core::domain::{
    ChatMessage, ChatSide, Conversation, ConversationId, ConversationStatus, CustomerId, MessageId,
};
use proxy_core::error::PortError;
use proxy_core::ports::table::Cursor;
use serde::Serialize;
use store::{Assigned, OpenConversations, Sent, Started};

platform::env!(
    /// What live chat needs: the clock, the conversations, and the queue its deliveries go through.
    ChatEnv: HasClock, HasStores, HasQueue
);

#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    /// No such conversation, or not one of the caller's (the same answer: ids are not disclosed).
    #[error("no such conversation")]
    NotFound,
    #[error("the conversation is closed")]
    Closed,
    /// Admins answer conversations; customers open them.
    #[error("only customers open conversations")]
    CustomersOpen,
    #[error("the conversation is assigned to another admin")]
    Taken { assigned_to: Option<String> },
    #[error(transparent)]
    Backend(#[from] PortError),
}

/// A conversation as its reader sees it: their side's unread count, and the channel to join for it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConversationView {
    pub id: ConversationId,
    pub customer_id: CustomerId,
    pub customer_name: Option<String>,
    pub status: ConversationStatus,
    /// Whether an admin has taken it.
    pub assigned: bool,
    /// Which admin (for the admins; a customer is not told staff identities).
    pub assigned_to: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_message_at: Option<DateTime<Utc>>,
    pub last_message: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub messages: u64,
    /// The other side's messages the reader has not read.
    pub unread: u64,
    /// The channel its messages and typing go out on (`private-chat.<id>`).
    pub channel: String,
}

impl ConversationView {
    pub fn of(conversation: &Conversation, reader: ChatSide) -> ConversationView {
        ConversationView {
            id: conversation.id.clone(),
            customer_id: conversation.customer_id.clone(),
            customer_name: conversation.customer_name.clone(),
            status: conversation.status,
            assigned: conversation.assigned_to.is_some(),
            assigned_to: conversation.assigned_to.clone().filter(|_| reader == ChatSide::Support),
            created_at: conversation.created_at,
            last_message_at: conversation.last_message_at,
            last_message: conversation.last_message.clone(),
            closed_at: conversation.closed_at,
            messages: conversation.messages(),
            unread: conversation.unread_by(reader),
            channel: Channel::Chat(conversation.id.to_string()).name(),
        }
    }
}

/// The name support's messages carry for the customer: staff identities stay with the staff.
pub const SUPPORT_SENDER: &str = "support";

/// `message` as `reader` may see it: support's sender is `SUPPORT_SENDER` for the customer.
pub fn as_seen_by(mut message: ChatMessage, reader: ChatSide) -> ChatMessage {
    if reader == ChatSide::Customer && message.side == ChatSide::Support {
        message.sender = SUPPORT_SENDER.to_owned();
    }
    message
}

/// Which side the caller writes for.
pub fn side_of(caller: &Identity) -> ChatSide {
    if caller.is_admin() { ChatSide::Support } else { ChatSide::Customer }
}

/// The conversation `text` names, if the caller takes part in it: its customer, or any admin.
pub async fn participant_of(
    ctx: &impl HasStores,
    caller: &Identity,
    text: &str,
) -> Result<(Conversation, ChatSide), ChatError> {
    let id = ConversationId::parse(text).ok_or(ChatError::NotFound)?;
    let conversation = ctx.stores().chats.get(&id).await?.ok_or(ChatError::NotFound)?;
    let side = side_of(caller);
    if side == ChatSide::Customer && conversation.customer_id.as_str() != caller.subject {
        return Err(ChatError::NotFound);
    }
    Ok((conversation, side))
}

/// Whether the caller may join `private-chat.<conversation>` (one read).
pub async fn takes_part(ctx: &impl HasStores, caller: &Identity, conversation: &str) -> Result<bool, PortError> {
    match participant_of(ctx, caller, conversation).await {
        Ok(_) => Ok(true),
        Err(ChatError::Backend(error)) => Err(error),
        Err(_) => Ok(false),
    }
}

/// The caller's open conversation with support, opened now if they have none.
pub async fn start(ctx: &impl ChatEnv, caller: &Identity) -> Result<(ConversationView, bool), ChatError> {
    if side_of(caller) == ChatSide::Support {
        return Err(ChatError::CustomersOpen);
    }
    let customer = CustomerId(caller.subject.clone());
    if let Some(open) = ctx.stores().chats.open_of(&customer).await? {
        return Ok((ConversationView::of(&open, ChatSide::Customer), false));
    }
    // Support sees who is asking (a caller without a profile yet still gets help).
    let name = ctx.stores().customers.get(&customer).await?.map(|profile| profile.name);
    // The guard may be freed by a close between our write and our read: then the next try opens a new one.
    for _ in 0..3 {
        let mut fresh = Conversation::open(ConversationId::generate(), customer.clone(), ctx.clock().now());
        fresh.customer_name = name.clone();
        match ctx.stores().chats.start(&fresh).await {
            Ok(Started::New) => return Ok((ConversationView::of(&fresh, ChatSide::Customer), true)),
            Ok(Started::Existing(open)) => return Ok((ConversationView::of(&open, ChatSide::Customer), false)),
            Err(PortError::Conflict { .. }) => continue,
            Err(error) => return Err(error.into()),
        }
    }
    Err(PortError::Conflict { op_index: None }.into())
}

/// A page of conversations and where the next starts.
#[derive(Debug, Clone, Serialize)]
pub struct ConversationsPage {
    pub conversations: Vec<ConversationView>,
    pub next_cursor: Option<String>,
}

/// The caller's conversations, newest first (one query).
pub async fn of_customer(
    ctx: &impl HasStores,
    customer: &CustomerId,
    limit: usize,
    after: Option<Cursor>,
) -> Result<ConversationsPage, ChatError> {
    let (conversations, next) = ctx.stores().chats.of_customer(customer, limit, after).await?;
    Ok(ConversationsPage {
        conversations: conversations.iter().map(|c| ConversationView::of(c, ChatSide::Customer)).collect(),
        next_cursor: next.as_ref().map(Cursor::token),
    })
}

/// Open conversations for the admins, the most recently active first, with support's unread counts (one query).
pub async fn open_for_support(
    ctx: &impl HasStores,
    which: &OpenConversations,
    limit: usize,
    after: Option<Cursor>,
) -> Result<ConversationsPage, ChatError> {
    let (conversations, next) = ctx.stores().chats.open(which, limit, after).await?;
    Ok(ConversationsPage {
        conversations: conversations.iter().map(|c| ConversationView::of(c, ChatSide::Support)).collect(),
        next_cursor: next.as_ref().map(Cursor::token),
    })
}

/// A message as sent: stored, or the one the same `Idempotency-Key` sent before.
#[derive(Debug, Clone, Serialize)]
pub struct SentMessage {
    pub message: ChatMessage,
    /// True when this is the first send's message, returned again.
    pub repeated: bool,
}

/// Sends `body` into the conversation for the caller's side: one read, one transaction, then its delivery
/// queued (under the message's id: a retry of a send whose delivery could not be queued queues it again).
pub async fn send(
    ctx: &impl ChatEnv,
    caller: &Identity,
    conversation: &str,
    body: String,
    send_key: Option<&str>,
) -> Result<SentMessage, ChatError> {
    let (conversation, side) = participant_of(ctx, caller, conversation).await?;
    if !conversation.is_open() {
        // A retry of a send that went in before the close: its message, not a refusal.
        let first = match send_key {
            Some(key) => ctx.stores().chats.sent_with_key(&conversation.id, &caller.subject, key).await?,
            None => None,
        };
        let first = first.ok_or(ChatError::Closed)?;
        delivery::queue(ctx, &conversation.customer_id, delivery::ChatEvent::Message(first.clone())).await?;
        return Ok(SentMessage { message: first, repeated: true });
    }
    let now = ctx.clock().now();
    let message = ChatMessage {
        id: MessageId::new(now),
        conversation_id: conversation.id.clone(),
        side,
        sender: caller.subject.clone(),
        body,
        sent_at: now,
    };
    let (message, repeated) = match ctx.stores().chats.send(&message, send_key).await? {
        Sent::Stored => (message, false),
        Sent::Repeated(first) => (first, true),
        Sent::Closed => return Err(ChatError::Closed),
    };
    delivery::queue(ctx, &conversation.customer_id, delivery::ChatEvent::Message(message.clone())).await?;
    // Answering is having read what came before: the sender's unread count goes to 0 (a forward-only mark,
    // written only when there was something unread). Best effort: the message is in and on its way, and the
    // next answer or read moves the mark anyway.
    let before = conversation.written_by(side.other());
    if !repeated
        && conversation.read_by(side) < before
        && let Err(error) = ctx.stores().chats.mark_read(&conversation.id, side, before).await
    {
        tracing::warn!(%error, conversation = %conversation.id, "read mark not moved with the answer");
    }
    Ok(SentMessage { message, repeated })
}

/// A page of a conversation's history, newest first, with the conversation as the reader sees it.
#[derive(Debug, Clone, Serialize)]
pub struct MessagesPage {
    pub conversation: ConversationView,
    pub messages: Vec<ChatMessage>,
    pub next_cursor: Option<String>,
}

pub async fn history(
    ctx: &impl HasStores,
    caller: &Identity,
    conversation: &str,
    page: api::page::PageRequest,
) -> Result<MessagesPage, ChatError> {
    let (conversation, side) = participant_of(ctx, caller, conversation).await?;
    let (messages, next) = ctx.stores().chats.messages(&conversation.id, page.limit, page.after).await?;
    Ok(MessagesPage {
        conversation: ConversationView::of(&conversation, side),
        messages: messages.into_iter().map(|m| as_seen_by(m, side)).collect(),
        next_cursor: next.as_ref().map(Cursor::token),
    })
}

/// Where a conversation's history may be paged, for a cursor's check (None: not a conversation id).
pub fn history_scope(conversation: &str) -> Option<proxy_core::ports::table::ListScope> {
    ConversationId::parse(conversation).map(|id| store::ChatStore::messages_scope(&id))
}

/// The caller has read every message of the other side so far: their unread count is 0. A read mark only moves
/// forward, so a slower request never takes back a newer one.
pub async fn mark_read(
    ctx: &impl ChatEnv,
    caller: &Identity,
    conversation: &str,
) -> Result<ConversationView, ChatError> {
    let (conversation, side) = participant_of(ctx, caller, conversation).await?;
    let written = conversation.written_by(side.other());
    let updated = match ctx.stores().chats.mark_read(&conversation.id, side, written).await? {
        Some(updated) => updated,
        // Another request had already moved the mark this far (or further): as read as this one makes it.
        None => {
            let mut already = conversation;
            match side {
                ChatSide::Customer => already.read_by_customer = already.read_by_customer.max(written),
                ChatSide::Support => already.read_by_support = already.read_by_support.max(written),
            }
            already
        }
    };
    Ok(ConversationView::of(&updated, side))
}

/// Closes the conversation (its customer or an admin): it leaves the open lists and takes no more messages;
/// the customer's next conversation is a new one (`POST /api/chats`). Closing a closed one again is fine, and
/// queues its `ChatClosed` again (under the same id): a close whose announcement could not be queued is
/// announced by its retry.
pub async fn close(ctx: &impl ChatEnv, caller: &Identity, conversation: &str) -> Result<ConversationView, ChatError> {
    let (conversation, side) = participant_of(ctx, caller, conversation).await?;
    let closed = if conversation.is_open() {
        ctx.stores().chats.close(&conversation, side, ctx.clock().now()).await?;
        // As closed, by this request or by one that raced it.
        ctx.stores().chats.get(&conversation.id).await?.ok_or(ChatError::NotFound)?
    } else {
        conversation
    };
    if let (Some(at), Some(by)) = (closed.closed_at, closed.closed_by) {
        let event = delivery::ChatEvent::Closed { conversation_id: closed.id.clone(), by, at };
        delivery::queue(ctx, &closed.customer_id, event).await?;
    }
    Ok(ConversationView::of(&closed, side))
}

/// Assigns the conversation to `admin`; taking it from another admin only when `take_over`. Two admins taking the same conversation at once: one has it, the other is told who.
pub async fn assign(
    ctx: &impl ChatEnv,
    conversation: &str,
    admin: &str,
    take_over: bool,
) -> Result<ConversationView, ChatError> {
    let id = ConversationId::parse(conversation).ok_or(ChatError::NotFound)?;
    match ctx.stores().chats.assign(&id, admin, take_over).await? {
        Assigned::Assigned(conversation) => {
            let at = ctx.clock().now();
            let event = delivery::ChatEvent::Assigned { conversation_id: id, to: admin.to_owned(), at };
            delivery::queue(ctx, &conversation.customer_id, event).await?;
            Ok(ConversationView::of(&conversation, ChatSide::Support))
        }
        Assigned::Taken(conversation) => Err(ChatError::Taken { assigned_to: conversation.assigned_to }),
        Assigned::Closed => Err(ChatError::Closed),
        Assigned::Missing => Err(ChatError::NotFound),
    }
}

/// A message's text, checked: not blank, at most `MAX_MESSAGE_CHARS` characters (kept as written).
pub fn checked_body(body: Option<String>) -> Result<String, String> {
    match body {
        None => Err("The body field is required.".into()),
        Some(text) if text.trim().is_empty() => Err("The body may not be blank.".into()),
        Some(text) if text.chars().count() > MAX_MESSAGE_CHARS => {
            Err(format!("The body may be at most {MAX_MESSAGE_CHARS} characters."))
        }
        Some(text) => Ok(text),
    }
}
