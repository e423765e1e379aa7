//! The worker pool port: how many workers may run each priority queue's jobs at once. In AWS the workers
//! are Lambda instances fed by one SQS event source mapping per queue, and the limit is the mapping's
//! `MaximumConcurrency`; `queue-autoscale` moves it with the backlog.

use crate::domain::Priority;
use crate::error::PortResult;
use async_trait::async_trait;

#[async_trait]
pub trait WorkerPool: Send + Sync {
    /// The most workers allowed on the queue at once; None when the queue has no worker mapping or no limit.
    async fn max_concurrency(&self, queue: Priority) -> PortResult<Option<u32>>;
    /// Sets that limit. Fails with `Invalid` for a queue without a worker mapping.
    async fn set_max_concurrency(&self, queue: Priority, workers: u32) -> PortResult<()>;
}
