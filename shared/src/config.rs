//! Configuration from the environment, read once per cold start.

use crate::adapters::aws::{LambdaWorkerPool, QueueUrls};
use crate::adapters::panel_http::PanelCredentials;
use crate::domain::Priority;
use crate::services::cache::StoreName;
use std::collections::BTreeMap;

/// Where the AWS backend lives. Set by the SAM template in Lambda; by the test harness against emulators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsSettings {
    /// `TABLE_NAME`.
    pub table_name: String,
    /// `REDIS_URL`, e.g. `redis://host:6379/0` (`rediss://` for ElastiCache in-transit encryption).
    pub redis_url: String,
    /// `CACHE_PREFIX` (default empty): namespaces keys when environments share a Redis.
    pub cache_prefix: String,
    /// `REDIS_SESSIONS_URL`, `REDIS_ANALYTICS_URL`: the cache stores with a Redis of their own; a store not
    /// here uses `redis_url`.
    pub store_urls: BTreeMap<StoreName, String>,
    /// `QUEUE_URL_HIGH`, `QUEUE_URL_HIGH_DLQ`, ... one per queue.
    pub queue_urls: QueueUrls,
    /// `PANEL_USERNAME` / `PANEL_PASSWORD`: the X-UI panels' API account.
    pub panel_credentials: PanelCredentials,
    /// `PANEL_SCHEME` (default `https`).
    pub panel_scheme: String,
    /// `WORKER_MAPPING_HIGH`, ...: the queue worker's event source mapping per queue (UUIDs), for the functions
    /// that read or set its concurrency; other functions have none.
    pub worker_mappings: BTreeMap<Priority, String>,
}

/// A required environment variable was missing.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(pub String);

fn required(name: &str) -> Result<String, ConfigError> {
    std::env::var(name).map_err(|_| ConfigError(format!("environment variable {name} is not set")))
}

impl AwsSettings {
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: required("TABLE_NAME")?,
            redis_url: required("REDIS_URL")?,
            cache_prefix: std::env::var("CACHE_PREFIX").unwrap_or_default(),
            store_urls: StoreName::ALL
                .into_iter()
                .filter_map(|store| {
                    let url = std::env::var(store.url_variable()).ok().filter(|url| !url.is_empty())?;
                    Some((store, url))
                })
                .collect(),
            queue_urls: QueueUrls::from_env().map_err(ConfigError)?,
            panel_credentials: PanelCredentials {
                username: std::env::var("PANEL_USERNAME").unwrap_or_default(),
                password: std::env::var("PANEL_PASSWORD").unwrap_or_default(),
            },
            panel_scheme: std::env::var("PANEL_SCHEME").unwrap_or_else(|_| "https".into()),
            worker_mappings: LambdaWorkerPool::mappings_from_env(),
        })
    }
}
