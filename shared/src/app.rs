//! The application context: the adapters behind every port, built once per cold start (or once per local
//! run) and shared by every handler.

use crate::adapters::aws::{DynamoTable, LambdaWorkerPool, RedisCache, SqsQueue, sdk_config};
#[cfg(feature = "memory")]
use crate::adapters::memory::{MemoryCache, MemoryPanel, MemoryQueue, MemoryTable, MemoryWorkerPool};
use crate::adapters::panel_http::HttpPanelClient;
use crate::clock::{Clock, SystemClock};
use crate::config::{AwsSettings, ConfigError};
use crate::ports::{Cache, JobQueue, PanelClient, Table, WorkerPool};
use crate::services::pricing::PricingCache;
use crate::store::Stores;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppContext {
    pub clock: Arc<dyn Clock>,
    pub stores: Stores,
    pub cache: Arc<dyn Cache>,
    pub queue: Arc<dyn JobQueue>,
    /// The servers' X-UI panels.
    pub panel: Arc<dyn PanelClient>,
    /// How many workers may run each queue's jobs at once (in memory unless `aws` was given mappings).
    pub workers: Arc<dyn WorkerPool>,
    /// Which backend this is, for logs and the health report.
    pub backend: &'static str,
    /// Pricing rules and demand, kept for this instance (`services::pricing::PricingCache`).
    pub pricing: Arc<PricingCache>,
}

impl AppContext {
    pub fn new(
        clock: Arc<dyn Clock>,
        table: Arc<dyn Table>,
        cache: Arc<dyn Cache>,
        queue: Arc<dyn JobQueue>,
        panel: Arc<dyn PanelClient>,
        workers: Arc<dyn WorkerPool>,
        backend: &'static str,
    ) -> Self {
        Self { clock, stores: Stores::new(table), cache, queue, panel, workers, backend, pricing: Arc::default() }
    }

    /// The embedded default: every port in memory, time from `clock`.
    #[cfg(feature = "memory")]
    pub fn in_memory(clock: Arc<dyn Clock>) -> Self {
        Self::new(
            clock.clone(),
            Arc::new(MemoryTable::new(clock.clone())),
            Arc::new(MemoryCache::new(clock.clone())),
            Arc::new(MemoryQueue::new(clock)),
            Arc::new(MemoryPanel::new()),
            Arc::new(MemoryWorkerPool::default()),
            "memory",
        )
    }

    /// DynamoDB, Redis, SQS and the panels' HTTP API as configured. Builds clients only: no network call
    /// happens until first use.
    pub async fn aws(settings: &AwsSettings, clock: Arc<dyn Clock>) -> Result<Self, ConfigError> {
        let sdk = sdk_config().await;
        let table = DynamoTable::new(aws_sdk_dynamodb::Client::new(&sdk), &settings.table_name, clock.clone());
        let cache = RedisCache::connect_lazily(&settings.redis_url, settings.cache_prefix.clone())
            .map_err(|e| ConfigError(e.to_string()))?;
        let queue = SqsQueue::new(aws_sdk_sqs::Client::new(&sdk), settings.queue_urls.clone());
        let panel = HttpPanelClient::new(settings.panel_credentials.clone(), settings.panel_scheme.clone())
            .map_err(|e| ConfigError(e.to_string()))?;
        let workers = LambdaWorkerPool::new(aws_sdk_lambda::Client::new(&sdk), settings.worker_mappings.clone());
        let (table, cache, queue, panel, workers) =
            (Arc::new(table), Arc::new(cache), Arc::new(queue), Arc::new(panel), Arc::new(workers));
        Ok(Self::new(clock, table, cache, queue, panel, workers, "aws"))
    }

    /// What a Lambda function uses: AWS settings from the environment and the wall clock.
    pub async fn from_env() -> Result<Self, ConfigError> {
        Self::aws(&AwsSettings::from_env()?, Arc::new(SystemClock)).await
    }
}

impl crate::deps::HasClock for AppContext {
    fn clock(&self) -> &dyn Clock {
        &*self.clock
    }
}

impl crate::deps::HasStores for AppContext {
    fn stores(&self) -> &Stores {
        &self.stores
    }
}

impl crate::deps::HasQueue for AppContext {
    fn queue(&self) -> &dyn JobQueue {
        &*self.queue
    }
}

impl crate::deps::HasCache for AppContext {
    fn cache(&self) -> &dyn Cache {
        &*self.cache
    }
}

impl crate::deps::HasPanel for AppContext {
    fn panel(&self) -> &dyn PanelClient {
        &*self.panel
    }
}

impl crate::deps::HasWorkers for AppContext {
    fn workers(&self) -> &dyn WorkerPool {
        &*self.workers
    }
}

impl crate::deps::HasJobTypes for AppContext {
    fn job_types(&self) -> Vec<&'static str> {
        crate::worker::standard_registry().job_types()
    }
}

impl crate::deps::HasBackendName for AppContext {
    fn backend_name(&self) -> &'static str {
        self.backend
    }
}

impl crate::services::pricing::HasPricingCache for AppContext {
    fn pricing_cache(&self) -> &PricingCache {
        &self.pricing
    }
}
