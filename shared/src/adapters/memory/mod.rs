//! In-memory adapters. They follow the AWS services' semantics (conditions, transactions, TTL, visibility,
//! dead-lettering) closely enough that the same behaviour suites pass on both; time comes from the clock.

mod cache;
mod conditions;
mod queue;
mod table;

pub use cache::MemoryCache;
pub use queue::MemoryQueue;
pub use table::MemoryTable;
