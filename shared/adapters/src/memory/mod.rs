//! In-memory adapters. They follow the AWS services' semantics (conditions, transactions, TTL, visibility,
//! dead-lettering) closely enough that the same behaviour suites pass on both; time comes from the clock.

mod cache;
mod conditions;
mod connections;
mod mail;
mod panel;
mod queue;
mod table;
mod tagged_cache;
mod workers;

pub use cache::MemoryCache;
pub use connections::{MAX_FRAME_BYTES, MemoryConnections, Outbound};
pub use mail::MemoryMailer;
pub use panel::MemoryPanel;
pub use queue::MemoryQueue;
pub use table::MemoryTable;
pub use tagged_cache::MemoryTaggedCache;
pub use workers::MemoryWorkerPool;
