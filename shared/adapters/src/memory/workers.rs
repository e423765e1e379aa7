use async_trait::async_trait;
use proxy_core::domain::Priority;
use proxy_core::error::PortResult;
use proxy_core::ports::WorkerPool;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// The in-memory worker pool: each queue's limit, starting where the SAM template starts the event source
/// mappings (high 20, the others 5).
pub struct MemoryWorkerPool {
    limits: Mutex<BTreeMap<Priority, u32>>,
}

impl Default for MemoryWorkerPool {
    fn default() -> Self {
        let limits = Priority::ALL.into_iter().map(|q| (q, if q == Priority::High { 20 } else { 5 })).collect();
        Self { limits: Mutex::new(limits) }
    }
}

#[async_trait]
impl WorkerPool for MemoryWorkerPool {
    async fn max_concurrency(&self, queue: Priority) -> PortResult<Option<u32>> {
        Ok(self.limits.lock().unwrap_or_else(|p| p.into_inner()).get(&queue).copied())
    }

    async fn set_max_concurrency(&self, queue: Priority, workers: u32) -> PortResult<()> {
        self.limits.lock().unwrap_or_else(|p| p.into_inner()).insert(queue, workers);
        Ok(())
    }
}
