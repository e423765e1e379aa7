//! The ports: the small traits services use to reach the world. Each has an AWS and an in-memory adapter
//! (the `adapters` crate), and one behaviour suite (`tests/`) runs against both.

pub mod cache;
pub mod connections;
pub mod logs;
pub mod mail;
pub mod panel;
pub mod queue;
pub mod table;
pub mod tagged_cache;
pub mod workers;

pub use cache::{Cache, CounterChange, CounterUpdate};
pub use connections::{ConnectionPoster, PostError};
pub use logs::{LogEvent, LogLevel, LogPosition, LogResults, LogSearch, LogSource, RetentionApplied};
pub use mail::{Email, Mailer};
pub use panel::{PanelClient, PanelClientSpec};
pub use queue::{JobQueue, QueueAttributes, QueueRef, ReceivedMessage};
pub use table::{
    Condition, Cursor, Index, Item, Key, KeyRange, Page, Query, Table, TransactOp, Update, UpdateAction, Value,
};
pub use tagged_cache::{CacheServerInfo, TagCount, TagPrune, TaggedCache, TaggedRead};
pub use workers::WorkerPool;
