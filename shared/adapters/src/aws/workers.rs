use crate::timeout::with_timeout;
use async_trait::async_trait;
use aws_sdk_lambda::types::ScalingConfig;
use proxy_core::domain::Priority;
use proxy_core::error::{Backend, PortError, PortResult, describe};
use proxy_core::ports::WorkerPool;
use std::collections::BTreeMap;
use std::time::Duration;

/// The queues' workers as Lambda event source mappings, one per queue, known by UUID (the template passes
/// them as `WORKER_MAPPING_HIGH`, ...). The limit is the mapping's `ScalingConfig.MaximumConcurrency`; a
/// disabled mapping reads as 0.
#[derive(Clone)]
pub struct LambdaWorkerPool {
    client: aws_sdk_lambda::Client,
    mappings: BTreeMap<Priority, String>,
    timeout: Duration,
}

impl LambdaWorkerPool {
    pub fn new(client: aws_sdk_lambda::Client, mappings: BTreeMap<Priority, String>) -> Self {
        Self { client, mappings, timeout: Duration::from_secs(3) }
    }

    /// The event source mapping of a queue's worker, when it has one.
    pub fn mapping(&self, queue: Priority) -> Option<&str> {
        self.mappings.get(&queue).map(String::as_str)
    }

    /// `WORKER_MAPPING_<QUEUE>` for each queue that has one.
    pub fn mappings_from_env() -> BTreeMap<Priority, String> {
        Priority::ALL
            .into_iter()
            .filter_map(|q| {
                let name = format!("WORKER_MAPPING_{}", q.as_str().to_ascii_uppercase());
                std::env::var(name).ok().filter(|v| !v.is_empty()).map(|uuid| (q, uuid))
            })
            .collect()
    }
}

fn unavailable(error: impl std::error::Error) -> PortError {
    PortError::unavailable(Backend::Workers, describe(&error))
}

#[async_trait]
impl WorkerPool for LambdaWorkerPool {
    async fn max_concurrency(&self, queue: Priority) -> PortResult<Option<u32>> {
        let Some(uuid) = self.mappings.get(&queue) else { return Ok(None) };
        let call = self.client.get_event_source_mapping().uuid(uuid).send();
        let mapping = with_timeout(Backend::Workers, "get_event_source_mapping", self.timeout, async {
            call.await.map_err(unavailable)
        })
        .await?;
        // A disabled mapping runs no worker, whatever its limit says.
        if matches!(mapping.state(), Some("Disabled" | "Disabling")) {
            return Ok(Some(0));
        }
        Ok(mapping.scaling_config().and_then(ScalingConfig::maximum_concurrency).map(|c| c.max(0) as u32))
    }

    async fn set_max_concurrency(&self, queue: Priority, workers: u32) -> PortResult<()> {
        let uuid = self.mappings.get(&queue).ok_or_else(|| PortError::Invalid {
            backend: Backend::Workers,
            detail: format!("queue {} has no worker mapping", queue.as_str()),
        })?;
        let limit = i32::try_from(workers).unwrap_or(i32::MAX);
        let call = self
            .client
            .update_event_source_mapping()
            .uuid(uuid)
            .scaling_config(ScalingConfig::builder().maximum_concurrency(limit).build())
            .send();
        with_timeout(Backend::Workers, "update_event_source_mapping", self.timeout, async {
            call.await.map(|_| ()).map_err(unavailable)
        })
        .await
    }
}
