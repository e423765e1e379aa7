//! The store port: one DynamoDB-shaped table (see `docs/dynamodb-key-design.md`).
//!
//! Conditions and updates are data, not expression strings: the in-memory adapter evaluates them directly and
//! the DynamoDB adapter translates them to condition/update expressions, so both enforce the same rules.
//! Items carrying a `ttl` (epoch seconds) in the past count as absent everywhere — reads skip them and
//! "not exists" conditions accept them — because DynamoDB deletes expired items lazily, often hours late.

use crate::error::PortResult;
use async_trait::async_trait;
use rust_decimal::Decimal;
use std::collections::HashMap;

pub use serde_dynamo::AttributeValue as Value;

/// One stored item: attribute name to value (the serde_dynamo representation, shared by both adapters).
pub type Item = HashMap<String, Value>;

pub const PK: &str = "pk";
pub const SK: &str = "sk";
/// The TTL attribute (epoch seconds, a number).
pub const TTL: &str = "ttl";

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Self { pk: pk.into(), sk: sk.into() }
    }

    /// The key attributes as an item fragment.
    pub fn to_item(&self) -> Item {
        HashMap::from([(PK.to_owned(), Value::S(self.pk.clone())), (SK.to_owned(), Value::S(self.sk.clone()))])
    }

    pub fn of(item: &Item) -> Option<Key> {
        match (item.get(PK), item.get(SK)) {
            (Some(Value::S(pk)), Some(Value::S(sk))) => Some(Key::new(pk.clone(), sk.clone())),
            _ => None,
        }
    }
}

/// The table's indexes. Every GSI has string keys `gsiNpk` / `gsiNsk` and projects all attributes; an item
/// without those attributes is not in that index (sparse).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Index {
    Primary,
    Gsi1,
    Gsi2,
    Gsi3,
}

impl Index {
    pub const SECONDARY: [Index; 3] = [Index::Gsi1, Index::Gsi2, Index::Gsi3];

    /// The index name in DynamoDB (None for the base table).
    pub fn name(self) -> Option<&'static str> {
        match self {
            Index::Primary => None,
            Index::Gsi1 => Some("gsi1"),
            Index::Gsi2 => Some("gsi2"),
            Index::Gsi3 => Some("gsi3"),
        }
    }

    /// The partition and sort key attribute names of this index.
    pub fn key_attributes(self) -> (&'static str, &'static str) {
        match self {
            Index::Primary => (PK, SK),
            Index::Gsi1 => ("gsi1pk", "gsi1sk"),
            Index::Gsi2 => ("gsi2pk", "gsi2sk"),
            Index::Gsi3 => ("gsi3pk", "gsi3sk"),
        }
    }
}

/// A condition on the current item. Numbers compare as decimals; a missing attribute fails every comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// No live item has this key (absent, or present but expired by `ttl`).
    NotExists,
    /// A live item has this key.
    Exists,
    AttributeEquals(String, Value),
    AttributeNotEquals(String, Value),
    /// The attribute is a number >= the value.
    AtLeast(String, Decimal),
    /// The attribute is a number <= the value.
    AtMost(String, Decimal),
    /// The attribute is a number < the value (e.g. a lease that has run out).
    LessThan(String, Decimal),
    AttributeMissing(String),
    And(Vec<Condition>),
    Or(Vec<Condition>),
}

/// One change within an update. `Add` is atomic arithmetic on a number (a missing attribute counts as 0).
#[derive(Debug, Clone, PartialEq)]
pub enum UpdateAction {
    Set(String, Value),
    /// Sets the attribute only when the item does not have it yet (a first-seen time).
    SetIfMissing(String, Value),
    Add(String, Decimal),
    Remove(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    pub key: Key,
    pub actions: Vec<UpdateAction>,
    /// When None, the update also creates the item if it is missing (DynamoDB's upsert semantics).
    pub condition: Option<Condition>,
}

/// One write within a transaction; all succeed or none do.
#[derive(Debug, Clone, PartialEq)]
pub enum TransactOp {
    Put { item: Item, condition: Option<Condition> },
    Update(Update),
    Delete { key: Key, condition: Option<Condition> },
    Check { key: Key, condition: Condition },
}

/// The most items one transaction may hold (DynamoDB's limit).
pub const MAX_TRANSACT_ITEMS: usize = 100;

/// Which sort keys a query wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyRange {
    All,
    BeginsWith(String),
    /// Inclusive on both ends.
    Between(String, String),
    Before(String),
    After(String),
}

/// Where a previous page stopped: the key attributes of its last item (base and index keys).
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor(pub Item);

/// Where the positions of one list can lie: the key attributes of the index it is read from, the caller's
/// partition (attribute and value), and the prefix every item's sort key starts with (when the partition holds
/// other items too). A cursor a caller hands back is accepted only inside it: a forged one can neither read
/// someone else's list nor reach the store as a key it refuses (DynamoDB answers a start key outside the
/// query's range with an error). The repositories say it; the HTTP edge checks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListScope {
    pub keys: Vec<&'static str>,
    pub partition: (&'static str, String),
    pub sort_prefix: Option<(&'static str, &'static str)>,
}

impl Cursor {
    /// The opaque token a list hands out for this position (base64url of its key attributes). Only string key
    /// attributes are kept: every key in the design is a string.
    pub fn token(&self) -> String {
        use base64::Engine;
        let attributes: std::collections::BTreeMap<&str, &str> = self
            .0
            .iter()
            .filter_map(|(name, value)| match value {
                Value::S(text) => Some((name.as_str(), text.as_str())),
                _ => None,
            })
            .collect();
        let json = serde_json::to_vec(&attributes).unwrap_or_default();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    }

    /// The key attributes a token names, unchecked (None when it is not a token at all): whoever accepts a
    /// token from a caller checks that it points into that caller's own list.
    pub fn token_attributes(token: &str) -> Option<std::collections::BTreeMap<String, String>> {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token.trim_end_matches('=')).ok()?;
        serde_json::from_slice(&bytes).ok()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub index: Index,
    pub partition: String,
    pub range: KeyRange,
    /// false = newest first for time-ordered sort keys.
    pub ascending: bool,
    pub limit: usize,
    pub start_after: Option<Cursor>,
    /// The items whose `ttl` has passed, and only those (the clean-up's view of what DynamoDB has yet to delete);
    /// every other read leaves them out.
    pub expired: bool,
    /// A strongly consistent read (the base table only: DynamoDB's indexes are eventually consistent): it sees
    /// every write acknowledged before it.
    pub consistent: bool,
}

impl Query {
    pub fn new(index: Index, partition: impl Into<String>) -> Self {
        Self {
            index,
            partition: partition.into(),
            range: KeyRange::All,
            ascending: true,
            limit: 100,
            start_after: None,
            expired: false,
            consistent: false,
        }
    }

    /// Reads what was just written (`consistent`).
    pub fn consistent(mut self) -> Self {
        self.consistent = true;
        self
    }

    /// Reads the expired items instead of the live ones (`expired`).
    pub fn expired_only(mut self) -> Self {
        self.expired = true;
        self
    }

    pub fn range(mut self, range: KeyRange) -> Self {
        self.range = range;
        self
    }

    pub fn descending(mut self) -> Self {
        self.ascending = false;
        self
    }

    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    pub fn start_after(mut self, cursor: Option<Cursor>) -> Self {
        self.start_after = cursor;
        self
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    pub items: Vec<Item>,
    /// Present when more items may follow.
    pub next: Option<Cursor>,
}

#[async_trait]
pub trait Table: Send + Sync {
    async fn get(&self, key: &Key) -> PortResult<Option<Item>>;
    /// Reads up to 100 keys at once; missing or expired keys are left out.
    async fn get_many(&self, keys: &[Key]) -> PortResult<Vec<Item>>;
    async fn put(&self, item: Item, condition: Option<Condition>) -> PortResult<()>;
    /// Applies the update and returns the item as it is afterwards.
    async fn update(&self, update: Update) -> PortResult<Item>;
    async fn delete(&self, key: &Key, condition: Option<Condition>) -> PortResult<()>;
    async fn transact(&self, ops: Vec<TransactOp>) -> PortResult<()>;
    async fn query(&self, query: Query) -> PortResult<Page>;
    /// A cheap round trip proving the table answers.
    async fn ping(&self) -> PortResult<()>;
    /// The table's item count and size as the store reports them (DynamoDB's DescribeTable, updated about every
    /// six hours; never a Scan).
    async fn describe(&self) -> PortResult<TableFigures>;
    /// How many calls the store throttled (each attempt, the retried ones too) since the last time this was
    /// asked: this instance's share of the table's throttling, which the telemetry adds up across instances.
    fn take_throttled(&self) -> u64;
}

/// What the store says of a table's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TableFigures {
    pub item_count: u64,
    pub size_bytes: u64,
}

/// An item's size as DynamoDB counts it, near enough: attribute names and values, in bytes.
pub fn item_size(item: &Item) -> u64 {
    fn value_size(value: &Value) -> u64 {
        let len = |s: &str| s.len() as u64;
        match value {
            Value::S(s) | Value::N(s) => len(s),
            Value::B(b) => b.len() as u64,
            Value::Bool(_) | Value::Null(_) => 1,
            Value::M(map) => 3 + map.iter().map(|(k, v)| len(k) + value_size(v)).sum::<u64>(),
            Value::L(list) => 3 + list.iter().map(value_size).sum::<u64>(),
            Value::Ss(set) | Value::Ns(set) => set.iter().map(|s| len(s)).sum(),
            Value::Bs(set) => set.iter().map(|b| b.len() as u64).sum(),
        }
    }
    item.iter().map(|(name, value)| name.len() as u64 + value_size(value)).sum()
}

/// Is this item expired at `now_epoch` by its `ttl` attribute?
pub fn is_expired(item: &Item, now_epoch: i64) -> bool {
    match item.get(TTL) {
        Some(Value::N(n)) => n.parse::<i64>().map(|ttl| ttl <= now_epoch).unwrap_or(false),
        _ => false,
    }
}

/// Builds a number value from anything displayable as a number.
pub fn number(n: impl std::fmt::Display) -> Value {
    Value::N(n.to_string())
}

pub fn string(s: impl Into<String>) -> Value {
    Value::S(s.into())
}
