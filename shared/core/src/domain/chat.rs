//! Live chat: a conversation between a customer and support (any admin may answer it; one may be assigned),
//! its messages kept in the order they were sent, and how many of the other side's messages each side has read.

use super::ids::v7;
use super::{ConversationId, CustomerId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The longest message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 2000;
/// How much of the last message a conversation shows in a list.
pub const PREVIEW_CHARS: usize = 140;

impl ConversationId {
    /// Whether a caller's text is a conversation id at all (checked before it becomes a key).
    pub fn parse(text: &str) -> Option<Self> {
        uuid::Uuid::try_parse(text).ok().map(|id| Self(id.hyphenated().to_string()))
    }
}

/// A message's id: a UUIDv7 (time first, then random), so a conversation's messages sort by id in the order
/// they were sent and a history's cursor is an id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MessageId(pub String);

impl MessageId {
    /// A fresh id for a message sent at `at`.
    pub fn new(at: DateTime<Utc>) -> Self {
        let random = uuid::Uuid::new_v4();
        let mut tail = [0u8; 10];
        tail.copy_from_slice(&random.as_bytes()[6..16]);
        Self(v7::at(at, &tail))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for MessageId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which side of a conversation someone writes for: the customer, or support (any admin).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChatSide {
    Customer,
    Support,
}

impl ChatSide {
    pub fn other(self) -> ChatSide {
        match self {
            ChatSide::Customer => ChatSide::Support,
            ChatSide::Support => ChatSide::Customer,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ChatSide::Customer => "customer",
            ChatSide::Support => "support",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationStatus {
    Open,
    Closed,
}

impl ConversationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ConversationStatus::Open => "open",
            ConversationStatus::Closed => "closed",
        }
    }
}

/// A conversation as the store keeps it. The counters move by atomic additions as messages are sent and read:
/// a side's unread count is what the other side wrote less what this side has read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    pub id: ConversationId,
    pub customer_id: CustomerId,
    /// The customer's name when they opened it (for the support inbox; None without a profile).
    #[serde(default)]
    pub customer_name: Option<String>,
    pub status: ConversationStatus,
    /// The admin (their subject) it is assigned to, if any.
    #[serde(default)]
    pub assigned_to: Option<String>,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub last_message_at: Option<DateTime<Utc>>,
    /// The start of the last message (`PREVIEW_CHARS`), for lists.
    #[serde(default)]
    pub last_message: Option<String>,
    #[serde(default)]
    pub closed_at: Option<DateTime<Utc>>,
    /// Which side closed it.
    #[serde(default)]
    pub closed_by: Option<ChatSide>,
    /// Messages the customer has written.
    #[serde(default)]
    pub from_customer: u64,
    /// Messages support has written.
    #[serde(default)]
    pub from_support: u64,
    /// How many of support's messages the customer has read.
    #[serde(default)]
    pub read_by_customer: u64,
    /// How many of the customer's messages support has read.
    #[serde(default)]
    pub read_by_support: u64,
}

impl Conversation {
    pub fn open(id: ConversationId, customer_id: CustomerId, at: DateTime<Utc>) -> Self {
        Conversation {
            id,
            customer_id,
            customer_name: None,
            status: ConversationStatus::Open,
            assigned_to: None,
            created_at: at,
            last_message_at: None,
            last_message: None,
            closed_at: None,
            closed_by: None,
            from_customer: 0,
            from_support: 0,
            read_by_customer: 0,
            read_by_support: 0,
        }
    }

    /// The messages `side` has written.
    pub fn written_by(&self, side: ChatSide) -> u64 {
        match side {
            ChatSide::Customer => self.from_customer,
            ChatSide::Support => self.from_support,
        }
    }

    /// How many of the other side's messages `side` has read.
    pub fn read_by(&self, side: ChatSide) -> u64 {
        match side {
            ChatSide::Customer => self.read_by_customer,
            ChatSide::Support => self.read_by_support,
        }
    }

    /// The other side's messages `side` has not read.
    pub fn unread_by(&self, side: ChatSide) -> u64 {
        self.written_by(side.other()).saturating_sub(self.read_by(side))
    }

    pub fn messages(&self) -> u64 {
        self.from_customer + self.from_support
    }

    /// When something last happened in it (its activity's order in lists).
    pub fn last_activity(&self) -> DateTime<Utc> {
        self.closed_at.or(self.last_message_at).unwrap_or(self.created_at)
    }

    pub fn is_open(&self) -> bool {
        self.status == ConversationStatus::Open
    }
}

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub id: MessageId,
    pub conversation_id: ConversationId,
    pub side: ChatSide,
    /// Who wrote it (the customer's id, or the admin's subject).
    pub sender: String,
    pub body: String,
    pub sent_at: DateTime<Utc>,
}

/// The start of `body` for a list: at most `PREVIEW_CHARS` characters, on one line.
pub fn preview(body: &str) -> String {
    let line: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(PREVIEW_CHARS) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn unread_is_what_the_other_side_wrote_less_what_this_side_read() {
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
        let mut chat = Conversation::open(ConversationId::generate(), CustomerId("c-1".into()), at);
        chat.from_customer = 3;
        chat.from_support = 2;
        chat.read_by_support = 1;
        assert_eq!(chat.unread_by(ChatSide::Support), 2);
        assert_eq!(chat.unread_by(ChatSide::Customer), 2);
        chat.read_by_customer = 5; // never negative, whatever the counters say
        assert_eq!(chat.unread_by(ChatSide::Customer), 0);
        assert_eq!(chat.messages(), 5);
    }

    #[test]
    fn message_ids_sort_in_time_order_and_tell_their_time() {
        let early = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
        let late = early + chrono::Duration::milliseconds(1);
        let (a, b) = (MessageId::new(early), MessageId::new(late));
        assert!(a < b);
        assert_eq!(v7::time(a.as_str()), Some(early));
        assert_eq!(v7::parse(a.as_str()).as_deref(), Some(a.as_str()));
        assert_eq!(v7::parse(&uuid::Uuid::new_v4().to_string()), None, "a v4 is no message id");
        assert_eq!(ConversationId::parse("not-an-id"), None);
    }

    #[test]
    fn a_preview_is_one_line_of_at_most_its_length() {
        assert_eq!(preview("Hello\n  there"), "Hello there");
        let long = "é".repeat(PREVIEW_CHARS + 5);
        assert_eq!(preview(&long).chars().count(), PREVIEW_CHARS + 1);
    }
}
