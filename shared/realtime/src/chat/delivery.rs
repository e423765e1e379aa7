//! A conversation's news pushed to whoever follows it: the message (or its closing, its assignment) on the
//! conversation's channel, and the conversation's new state — each side's own view, with its unread count — on
//! the customer's channel and the admins' (so a badge moves without joining the chat). Through the notifications
//! queue (`chat.deliver`), at least once, each frame with the id it was sent under for clients to drop a repeat.

use super::ConversationView;
use crate::broadcast::{self, BroadcastError};
use crate::channels::Channel;
use crate::delivery::FanOut;
use crate::deps::RealtimeEnv;
use chrono::{DateTime, Utc};
use platform::deps::{HasClock, HasQueue};
use proxy_core::domain::{ChatMessage, ChatSide, ConversationId, CustomerId, JobId, Priority};
use proxy_core::error::PortResult;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub const CHAT_JOB: &str = "chat.deliver";
pub const MESSAGE_EVENT: &str = "App\\Events\\ChatMessageSent";
pub const CLOSED_EVENT: &str = "App\\Events\\ChatClosed";
pub const ASSIGNED_EVENT: &str = "App\\Events\\ChatAssigned";
/// A conversation's new state, each side's view on its own channel.
pub const UPDATED_EVENT: &str = "App\\Events\\ChatUpdated";

/// What happened in a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ChatEvent {
    Message(ChatMessage),
    Closed { conversation_id: ConversationId, by: ChatSide, at: DateTime<Utc> },
    Assigned { conversation_id: ConversationId, to: String, at: DateTime<Utc> },
}

impl ChatEvent {
    fn conversation_id(&self) -> &ConversationId {
        match self {
            ChatEvent::Message(message) => &message.conversation_id,
            ChatEvent::Closed { conversation_id, .. } | ChatEvent::Assigned { conversation_id, .. } => conversation_id,
        }
    }

    /// The id it is delivered under: the same for a repeat of the same happening.
    fn delivery_id(&self) -> String {
        match self {
            ChatEvent::Message(message) => format!("chat:{}:message:{}", message.conversation_id, message.id),
            ChatEvent::Closed { conversation_id, .. } => format!("chat:{conversation_id}:closed"),
            // A conversation may go back to an admin who had it: each assignment is its own.
            ChatEvent::Assigned { conversation_id, to, at } => {
                format!("chat:{conversation_id}:assigned:{to}:{}", at.timestamp_millis())
            }
        }
    }
}

/// The `chat.deliver` job's payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatDelivery {
    pub customer_id: CustomerId,
    pub event: ChatEvent,
}

/// Queues the delivery of `event` (one SQS send).
pub async fn queue(ctx: &(impl HasQueue + HasClock), customer: &CustomerId, event: ChatEvent) -> PortResult<()> {
    let id = JobId(event.delivery_id());
    let delivery = ChatDelivery { customer_id: customer.clone(), event };
    platform::jobs::dispatch_as(ctx.queue(), ctx.clock(), id, CHAT_JOB, &delivery, Priority::Notifications).await?;
    Ok(())
}

/// The frame of `event` and where it goes: a message and a closing on the conversation's channel (which its
/// customer is on: support's sender is `support` there), an assignment to the admins only.
pub fn event_frame(event: &ChatEvent) -> Result<(Channel, String), BroadcastError> {
    let chat = Channel::Chat(event.conversation_id().to_string());
    let (channel, name, mut data) = match event {
        ChatEvent::Message(message) => {
            let seen = super::as_seen_by(message.clone(), ChatSide::Customer);
            (chat, MESSAGE_EVENT, serde_json::to_value(seen).unwrap_or(Value::Null))
        }
        ChatEvent::Closed { conversation_id, by, at } => {
            (chat, CLOSED_EVENT, json!({"conversation_id": conversation_id, "by": by, "at": at}))
        }
        ChatEvent::Assigned { conversation_id, to, .. } => {
            (Channel::Admin, ASSIGNED_EVENT, json!({"conversation_id": conversation_id, "assigned_to": to}))
        }
    };
    // A message's own id is what a client keys it by; the others carry their delivery's.
    if !matches!(event, ChatEvent::Message(_)) {
        data["id"] = Value::String(event.delivery_id());
    }
    broadcast::frame(channel, name, data)
}

/// The frame of a conversation's new state as `side` sees it, on that side's channel.
pub fn updated_frame(
    view: &ConversationView,
    side: ChatSide,
    delivery_id: &str,
) -> Result<(Channel, String), BroadcastError> {
    let channel = match side {
        ChatSide::Customer => Channel::Customer(view.customer_id.to_string()),
        ChatSide::Support => Channel::Admin,
    };
    let mut data = serde_json::to_value(view).unwrap_or(Value::Null);
    data["conversation_id"] = data["id"].clone();
    data["id"] = Value::String(delivery_id.to_owned());
    broadcast::frame(channel, UPDATED_EVENT, data)
}

/// Runs one delivery: the event on the conversation's channel, then each side's view of the conversation (one
/// read) on its channel. What every fan-out did, for the job to judge.
pub async fn deliver(ctx: &impl RealtimeEnv, delivery: &ChatDelivery) -> Result<Vec<FanOut>, BroadcastError> {
    let mut fan_outs = Vec::new();
    let (channel, frame) = event_frame(&delivery.event)?;
    fan_outs.push(broadcast::to_channel(ctx, &channel, &frame).await?);
    let Some(conversation) = ctx.stores().chats.get(delivery.event.conversation_id()).await? else {
        return Ok(fan_outs);
    };
    // Its own id: a client on both channels (a customer's chat and their own) drops neither frame.
    let delivery_id = format!("{}:updated", delivery.event.delivery_id());
    for side in [ChatSide::Customer, ChatSide::Support] {
        let view = ConversationView::of(&conversation, side);
        let (channel, frame) = updated_frame(&view, side, &delivery_id)?;
        fan_outs.push(broadcast::to_channel(ctx, &channel, &frame).await?);
    }
    Ok(fan_outs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::broadcast::decode;
    use chrono::TimeZone;
    use proxy_core::domain::{Conversation, MessageId};

    #[test]
    fn a_message_goes_out_on_its_conversations_channel_under_its_own_id() {
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
        let conversation = ConversationId::generate();
        let message = ChatMessage {
            id: MessageId::new(at),
            conversation_id: conversation.clone(),
            side: ChatSide::Customer,
            sender: "c-1".into(),
            body: "My proxy is slow".into(),
            sent_at: at,
        };
        let (channel, frame) = event_frame(&ChatEvent::Message(message.clone())).unwrap();
        assert_eq!(channel, Channel::Chat(conversation.to_string()));
        let (outer, data) = decode(&frame);
        assert_eq!(outer["event"], MESSAGE_EVENT);
        assert_eq!(data["id"], message.id.as_str());
        assert_eq!((data["side"].as_str(), data["body"].as_str()), (Some("customer"), Some("My proxy is slow")));
    }

    #[test]
    fn supports_sender_is_support_on_the_shared_channel_and_an_assignment_goes_to_the_admins_only() {
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
        let conversation = ConversationId::generate();
        let answer = ChatMessage {
            id: MessageId::new(at),
            conversation_id: conversation.clone(),
            side: ChatSide::Support,
            sender: "ana@example.com".into(),
            body: "Fixed".into(),
            sent_at: at,
        };
        let (_, frame) = event_frame(&ChatEvent::Message(answer)).unwrap();
        assert_eq!(decode(&frame).1["sender"], "support");
        let assigned = |at| ChatEvent::Assigned { conversation_id: conversation.clone(), to: "ana".into(), at };
        let (channel, _) = event_frame(&assigned(at)).unwrap();
        assert_eq!(channel, Channel::Admin);
        let later = assigned(at + chrono::Duration::seconds(1));
        assert_ne!(assigned(at).delivery_id(), later.delivery_id(), "back to the same admin is a new assignment");
    }

    #[test]
    fn each_side_sees_its_own_unread_count_on_its_own_channel() {
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
        let mut conversation = Conversation::open(ConversationId::generate(), CustomerId("c-1".into()), at);
        conversation.from_customer = 2;
        let (channel, frame) =
            updated_frame(&ConversationView::of(&conversation, ChatSide::Support), ChatSide::Support, "d-1").unwrap();
        assert_eq!(channel, Channel::Admin);
        let (_, data) = decode(&frame);
        assert_eq!((data["unread"].as_u64(), data["id"].as_str()), (Some(2), Some("d-1")));
        assert_eq!(data["conversation_id"], conversation.id.as_str());
        let (channel, frame) =
            updated_frame(&ConversationView::of(&conversation, ChatSide::Customer), ChatSide::Customer, "d-1").unwrap();
        assert_eq!(channel, Channel::Customer("c-1".into()));
        assert_eq!(decode(&frame).1["unread"], 0);
    }
}
