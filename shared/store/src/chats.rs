//! Support conversations and their messages. A conversation (`CHAT#<id>` / `CONVERSATION`) is listed among its
//! customer's (gsi1, newest first) and, while open, among the open ones (gsi2) and those of its assignee or of
//! nobody (gsi3), both by last activity. Its messages share its partition (`MSG#<uuidv7>`: in the order sent).
//! A customer has one open conversation at a time, held by a guard item written and removed in the same
//! transactions as the conversation's opening and closing. Counters (messages per side, read per side) move by
//! atomic additions and conditional sets, so two writers never lose each other's message or read mark.

use super::{codec, keys};
use chrono::{DateTime, Duration, Utc};
use proxy_core::domain::chat::preview;
use proxy_core::domain::{ChatMessage, ChatSide, Conversation, ConversationId, CustomerId, MessageId};
use proxy_core::error::{Backend, PortError, PortResult};
use proxy_core::ports::table::{
    Condition, Cursor, Index, Item, KeyRange, ListScope, PK, Query, SK, TTL, Table, TransactOp, Update, UpdateAction,
    Value, number, string,
};
use std::sync::Arc;

/// How long a sender's `Idempotency-Key` is remembered in a conversation.
pub const SEND_KEY_HOURS: i64 = 24;
const CONVERSATION_ID: &str = "conversation_id";
const MESSAGE_ID: &str = "message_id";

#[derive(Clone)]
pub struct ChatStore {
    table: Arc<dyn Table>,
}

/// What asking for a customer's conversation found.
#[derive(Debug, Clone, PartialEq)]
pub enum Started {
    /// This one was opened.
    New,
    /// They already had this one open.
    Existing(Conversation),
}

/// What sending a message did.
#[derive(Debug, Clone, PartialEq)]
pub enum Sent {
    Stored,
    /// The sender's `Idempotency-Key` sent this message before: nothing was sent again.
    Repeated(ChatMessage),
    /// The conversation is closed (or gone): nothing was sent.
    Closed,
}

/// What assigning a conversation did.
#[derive(Debug, Clone, PartialEq)]
pub enum Assigned {
    Assigned(Conversation),
    /// Another admin has it (and taking it over was not asked for).
    Taken(Conversation),
    Closed,
    Missing,
}

/// Which open conversations a list wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenConversations {
    All,
    AssignedTo(String),
    Unassigned,
}

impl ChatStore {
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self { table }
    }

    /// Opens `conversation` for its customer unless they have one open already (then that one): one transaction
    /// (the guard and the conversation), and a read of the existing one when the guard is taken.
    pub async fn start(&self, conversation: &Conversation) -> PortResult<Started> {
        let mut guard = keys::open_conversation_of(&conversation.customer_id).to_item();
        guard.insert(CONVERSATION_ID.into(), string(conversation.id.as_str()));
        let ops = vec![
            TransactOp::Put { item: guard, condition: Some(Condition::NotExists) },
            TransactOp::Put { item: item_of(conversation)?, condition: Some(Condition::NotExists) },
        ];
        match super::transact_with_retry(&*self.table, ops).await {
            Ok(()) => Ok(Started::New),
            Err(PortError::Conflict { op_index: Some(0) }) => {
                let existing = self.open_of(&conversation.customer_id).await?;
                // Closed between the two reads: the caller asks again and opens a new one.
                existing.map(Started::Existing).ok_or(PortError::Conflict { op_index: Some(0) })
            }
            Err(error) => Err(error),
        }
    }

    /// The customer's open conversation, if any (two reads: the guard, then the conversation).
    pub async fn open_of(&self, customer: &CustomerId) -> PortResult<Option<Conversation>> {
        let Some(guard) = self.table.get(&keys::open_conversation_of(customer)).await? else {
            return Ok(None);
        };
        let Some(Value::S(id)) = guard.get(CONVERSATION_ID) else {
            return Err(PortError::corrupt(Backend::Store, "an open-conversation guard without its id"));
        };
        Ok(self.get(&ConversationId(id.clone())).await?.filter(Conversation::is_open))
    }

    pub async fn get(&self, id: &ConversationId) -> PortResult<Option<Conversation>> {
        self.table.get(&keys::conversation(id)).await?.map(|item| codec::decode(item, &[])).transpose()
    }

    /// A customer's conversations, newest first.
    pub async fn of_customer(
        &self,
        customer: &CustomerId,
        limit: usize,
        after: Option<Cursor>,
    ) -> PortResult<(Vec<Conversation>, Option<Cursor>)> {
        let query = Query::new(Index::Gsi1, keys::conversations_of_customer(customer))
            .descending()
            .limit(limit)
            .start_after(after);
        super::query_page(&*self.table, query).await
    }

    pub fn customer_scope(customer: &CustomerId) -> ListScope {
        let (pk, sk) = Index::Gsi1.key_attributes();
        ListScope {
            keys: vec![PK, SK, pk, sk],
            partition: (pk, keys::conversations_of_customer(customer)),
            sort_prefix: None,
        }
    }

    /// Open conversations, the most recently active first.
    pub async fn open(
        &self,
        which: &OpenConversations,
        limit: usize,
        after: Option<Cursor>,
    ) -> PortResult<(Vec<Conversation>, Option<Cursor>)> {
        let (index, partition) = open_partition(which);
        let query = Query::new(index, partition).descending().limit(limit).start_after(after);
        super::query_page(&*self.table, query).await
    }

    pub fn open_scope(which: &OpenConversations) -> ListScope {
        let (index, partition) = open_partition(which);
        let (pk, sk) = index.key_attributes();
        ListScope { keys: vec![PK, SK, pk, sk], partition: (pk, partition), sort_prefix: None }
    }

    /// Adds `message` to its open conversation: one transaction (the message, the conversation's counters and
    /// last activity, and the sender's `Idempotency-Key` when they sent one).
    pub async fn send(&self, message: &ChatMessage, send_key: Option<&str>) -> PortResult<Sent> {
        let id = &message.conversation_id;
        let mut item = codec::encode(message, &[])?;
        item.extend(keys::chat_message(id, &message.id).to_item());
        let activity = string(activity_sort(message.sent_at, id));
        let written = match message.side {
            ChatSide::Customer => "from_customer",
            ChatSide::Support => "from_support",
        };
        let mut ops = vec![
            TransactOp::Put { item, condition: Some(Condition::NotExists) },
            TransactOp::Update(Update {
                key: keys::conversation(id),
                actions: vec![
                    UpdateAction::Add(written.into(), 1.into()),
                    UpdateAction::Set("last_message_at".into(), codec::to_value(&message.sent_at)?),
                    UpdateAction::Set("last_message".into(), string(preview(&message.body))),
                    UpdateAction::Set(Index::Gsi2.key_attributes().1.into(), activity.clone()),
                    UpdateAction::Set(Index::Gsi3.key_attributes().1.into(), activity),
                ],
                condition: Some(is_open()),
            }),
        ];
        if let Some(key) = send_key {
            let mut guard = keys::chat_send_key(id, &message.sender, key).to_item();
            guard.insert(MESSAGE_ID.into(), string(message.id.as_str()));
            guard.insert(TTL.into(), number((message.sent_at + Duration::hours(SEND_KEY_HOURS)).timestamp()));
            ops.push(TransactOp::Put { item: guard, condition: Some(Condition::NotExists) });
        }
        match super::transact_with_retry(&*self.table, ops).await {
            Ok(()) => Ok(Sent::Stored),
            // Closed now — or closed after this key's first send went in (the first failed condition is the one
            // reported): the key's message, when there is one, is the answer.
            Err(PortError::Conflict { op_index: Some(1) }) => match send_key {
                Some(key) => {
                    Ok(self.sent_with_key(id, &message.sender, key).await?.map_or(Sent::Closed, Sent::Repeated))
                }
                None => Ok(Sent::Closed),
            },
            Err(PortError::Conflict { op_index: Some(2) }) => {
                let key = send_key.unwrap_or_default();
                match self.sent_with_key(id, &message.sender, key).await? {
                    Some(first) => Ok(Sent::Repeated(first)),
                    None => Err(PortError::Conflict { op_index: Some(2) }),
                }
            }
            Err(error) => Err(error),
        }
    }

    /// The message `sender` sent under `key` in the conversation, if the key is known (two reads).
    pub async fn sent_with_key(&self, id: &ConversationId, sender: &str, key: &str) -> PortResult<Option<ChatMessage>> {
        let Some(guard) = self.table.get(&keys::chat_send_key(id, sender, key)).await? else {
            return Ok(None);
        };
        let Some(Value::S(message)) = guard.get(MESSAGE_ID) else {
            return Err(PortError::corrupt(Backend::Store, "a send key without its message"));
        };
        self.message(id, &MessageId(message.clone())).await
    }

    pub async fn message(&self, id: &ConversationId, message: &MessageId) -> PortResult<Option<ChatMessage>> {
        self.table.get(&keys::chat_message(id, message)).await?.map(|item| codec::decode(item, &[])).transpose()
    }

    /// A conversation's messages, newest first.
    pub async fn messages(
        &self,
        id: &ConversationId,
        limit: usize,
        after: Option<Cursor>,
    ) -> PortResult<(Vec<ChatMessage>, Option<Cursor>)> {
        let query = Query::new(Index::Primary, keys::conversation_partition(id))
            .range(KeyRange::BeginsWith(keys::CHAT_MESSAGE_PREFIX.into()))
            .descending()
            .limit(limit)
            .start_after(after);
        super::query_page(&*self.table, query).await
    }

    pub fn messages_scope(id: &ConversationId) -> ListScope {
        ListScope {
            keys: vec![PK, SK],
            partition: (PK, keys::conversation_partition(id)),
            sort_prefix: Some((SK, keys::CHAT_MESSAGE_PREFIX)),
        }
    }

    /// `side` has read `up_to` of the other side's messages: one conditional update that only moves the mark
    /// forward (a slower reader never takes back a newer mark). The conversation after it, or None when the
    /// mark was already there.
    pub async fn mark_read(&self, id: &ConversationId, side: ChatSide, up_to: u64) -> PortResult<Option<Conversation>> {
        let field = read_field(side);
        let update = Update {
            key: keys::conversation(id),
            actions: vec![UpdateAction::Set(field.into(), number(up_to))],
            condition: Some(Condition::And(vec![Condition::Exists, Condition::LessThan(field.into(), up_to.into())])),
        };
        match self.table.update(update).await {
            Ok(item) => Ok(Some(codec::decode(item, &[])?)),
            Err(PortError::Conflict { .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Assigns an open conversation to `admin`; one held by another admin only when `take_over`.
    pub async fn assign(&self, id: &ConversationId, admin: &str, take_over: bool) -> PortResult<Assigned> {
        let mut condition = vec![is_open()];
        if !take_over {
            condition.push(Condition::Or(vec![
                Condition::AttributeMissing("assigned_to".into()),
                Condition::AttributeEquals("assigned_to".into(), string(admin)),
            ]));
        }
        let update = Update {
            key: keys::conversation(id),
            actions: vec![
                UpdateAction::Set("assigned_to".into(), string(admin)),
                UpdateAction::Set(
                    Index::Gsi3.key_attributes().0.into(),
                    string(keys::open_conversations_assigned(Some(admin))),
                ),
            ],
            condition: Some(Condition::And(condition)),
        };
        match self.table.update(update).await {
            Ok(item) => Ok(Assigned::Assigned(codec::decode(item, &[])?)),
            Err(PortError::Conflict { .. }) => Ok(match self.get(id).await? {
                None => Assigned::Missing,
                Some(conversation) if !conversation.is_open() => Assigned::Closed,
                Some(conversation) => Assigned::Taken(conversation),
            }),
            Err(error) => Err(error),
        }
    }

    /// Closes an open conversation for `by`: one transaction (it leaves the open lists; its customer's guard is
    /// freed, so their next conversation is a new one). False when it was not open.
    pub async fn close(&self, conversation: &Conversation, by: ChatSide, at: DateTime<Utc>) -> PortResult<bool> {
        let (gsi2pk, gsi2sk) = Index::Gsi2.key_attributes();
        let (gsi3pk, gsi3sk) = Index::Gsi3.key_attributes();
        let ops = vec![
            TransactOp::Update(Update {
                key: keys::conversation(&conversation.id),
                actions: vec![
                    UpdateAction::Set("status".into(), string("closed")),
                    UpdateAction::Set("closed_at".into(), codec::to_value(&at)?),
                    UpdateAction::Set("closed_by".into(), codec::to_value(&by)?),
                    UpdateAction::Remove(gsi2pk.into()),
                    UpdateAction::Remove(gsi2sk.into()),
                    UpdateAction::Remove(gsi3pk.into()),
                    UpdateAction::Remove(gsi3sk.into()),
                ],
                condition: Some(is_open()),
            }),
            TransactOp::Delete {
                key: keys::open_conversation_of(&conversation.customer_id),
                condition: Some(Condition::AttributeEquals(CONVERSATION_ID.into(), string(conversation.id.as_str()))),
            },
        ];
        match super::transact_with_retry(&*self.table, ops).await {
            Ok(()) => Ok(true),
            Err(PortError::Conflict { op_index: Some(0) }) => Ok(false),
            // Open, but its customer's guard names another conversation: the two were written apart.
            Err(PortError::Conflict { op_index: Some(1) }) => Err(PortError::corrupt(
                Backend::Store,
                format!("conversation {} is open but not its customer's open one", conversation.id),
            )),
            Err(error) => Err(error),
        }
    }
}

fn is_open() -> Condition {
    Condition::AttributeEquals("status".into(), string("open"))
}

fn read_field(side: ChatSide) -> &'static str {
    match side {
        ChatSide::Customer => "read_by_customer",
        ChatSide::Support => "read_by_support",
    }
}

fn activity_sort(at: DateTime<Utc>, id: &ConversationId) -> String {
    format!("{}#{id}", keys::sortable_time(at))
}

fn open_partition(which: &OpenConversations) -> (Index, String) {
    match which {
        OpenConversations::All => (Index::Gsi2, keys::OPEN_CONVERSATIONS.to_owned()),
        OpenConversations::AssignedTo(admin) => (Index::Gsi3, keys::open_conversations_assigned(Some(admin))),
        OpenConversations::Unassigned => (Index::Gsi3, keys::open_conversations_assigned(None)),
    }
}

fn item_of(conversation: &Conversation) -> PortResult<Item> {
    let mut item = codec::encode(conversation, &[])?;
    item.extend(keys::conversation(&conversation.id).to_item());
    let (gsi1pk, gsi1sk) = Index::Gsi1.key_attributes();
    item.insert(gsi1pk.into(), string(keys::conversations_of_customer(&conversation.customer_id)));
    item.insert(gsi1sk.into(), string(activity_sort(conversation.created_at, &conversation.id)));
    if conversation.is_open() {
        let activity = string(activity_sort(conversation.last_activity(), &conversation.id));
        let (gsi2pk, gsi2sk) = Index::Gsi2.key_attributes();
        let (gsi3pk, gsi3sk) = Index::Gsi3.key_attributes();
        item.insert(gsi2pk.into(), string(keys::OPEN_CONVERSATIONS));
        item.insert(gsi2sk.into(), activity.clone());
        item.insert(gsi3pk.into(), string(keys::open_conversations_assigned(conversation.assigned_to.as_deref())));
        item.insert(gsi3sk.into(), activity);
    }
    Ok(item)
}
