//! The application context: the adapters behind every port, built once per cold start (or once per local
//! run) and shared by every handler.

use crate::adapters::aws::{DynamoTable, LambdaWorkerPool, RedisCache, RedisEndpoint, Secret, SqsQueue, sdk_config};
#[cfg(feature = "memory")]
use crate::adapters::memory::{
    MemoryCache, MemoryConnections, MemoryPanel, MemoryQueue, MemoryTable, MemoryTaggedCache, MemoryWorkerPool,
};
use crate::adapters::panel_http::{HttpPanelClient, PanelCredentials};
use crate::clock::{Clock, SystemClock};
use crate::config::{AwsSettings, ConfigError, SecretSetting};
use crate::ports::{Cache, ConnectionPoster, JobQueue, PanelClient, PostError, Table, TaggedCache, WorkerPool};
use crate::services::cache::{StoreName, TieredCache};
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
    /// The two-tier cache of views: this instance's tier over the tagged stores (`services::cache`).
    pub views: Arc<TieredCache>,
    /// The alert e-mail channel: set where alerts are mailed from (the queue worker), None elsewhere.
    pub alert_mail: Option<crate::deps::AlertMail>,
    /// What is running (the dashboards show it).
    pub release: crate::deps::Release,
    /// This instance's request samples not written to the cache yet (`platform::request_metrics`).
    pub requests: Arc<platform::request_metrics::RequestRecorder>,
    /// The system's logs: set where they are searched (`system-logs`, `log-cleanup`, the local run), None elsewhere.
    pub log_source: Option<Arc<dyn crate::ports::LogSource>>,
    /// The WebSocket API's connections: the management API where frames are posted from (the real-time
    /// functions, the queue worker, the local run); elsewhere a poster that says it is not configured.
    pub connections: Arc<dyn ConnectionPoster>,
    /// The Pusher app's key and secret (None: not configured here).
    pub channels_app: Option<ChannelsApp>,
}

/// The Pusher app's key and its secret, read on first use.
#[derive(Clone)]
pub struct ChannelsApp {
    pub key: String,
    pub secret: Secret,
}

/// The local run's Pusher app: what a `pusher-js` client of the local server is configured with.
pub const LOCAL_CHANNELS_APP_KEY: &str = "1000proxy-local";
const LOCAL_CHANNELS_APP_SECRET: &str = "1000proxy-local-secret";

/// The connections of a function that posts none: a post says so instead of reaching nowhere.
struct NoConnections;

#[async_trait::async_trait]
impl ConnectionPoster for NoConnections {
    async fn post(&self, _connection_id: &str, _frame: &str) -> Result<(), PostError> {
        Err(PostError::Port(unconfigured()))
    }

    async fn close(&self, _connection_id: &str) -> Result<(), PostError> {
        Err(PostError::Port(unconfigured()))
    }
}

fn unconfigured() -> crate::error::PortError {
    crate::error::PortError::unavailable(
        crate::error::Backend::Connections,
        "this function has no WebSocket API endpoint (WEBSOCKET_API_ENDPOINT)",
    )
}

/// The cache's shared tier of each store (`StoreName::ALL`): a new instance's cache of views is built over them.
pub type TaggedStores = Vec<(StoreName, Arc<dyn TaggedCache>)>;

/// The adapters behind the ports, one of each, for `AppContext::new`.
pub struct Ports {
    pub table: Arc<dyn Table>,
    pub cache: Arc<dyn Cache>,
    pub queue: Arc<dyn JobQueue>,
    pub panel: Arc<dyn PanelClient>,
    pub workers: Arc<dyn WorkerPool>,
    /// The cache of views over the tagged stores (`AppContext::views`).
    pub views: Arc<TieredCache>,
}

impl AppContext {
    pub fn new(clock: Arc<dyn Clock>, ports: Ports, backend: &'static str) -> Self {
        let Ports { table, cache, queue, panel, workers, views } = ports;
        Self {
            clock,
            stores: Stores::new(table),
            cache,
            queue,
            panel,
            workers,
            backend,
            pricing: Arc::default(),
            views,
            alert_mail: None,
            log_source: None,
            connections: Arc::new(NoConnections),
            channels_app: None,
            requests: Arc::default(),
            release: crate::deps::Release {
                version: env!("CARGO_PKG_VERSION").to_owned(),
                function: std::env::var("AWS_LAMBDA_FUNCTION_NAME").ok(),
                function_version: std::env::var("AWS_LAMBDA_FUNCTION_VERSION").ok(),
            },
        }
    }

    /// Writes the request samples this instance holds (a batch is otherwise written when it is due).
    pub async fn flush_request_metrics(&self) {
        platform::request_metrics::write(&*self.cache, &self.requests.take()).await;
    }

    /// This context, searching logs in `source`.
    pub fn with_log_source(mut self, source: Arc<dyn crate::ports::LogSource>) -> Self {
        self.log_source = Some(source);
        self
    }

    /// This context, posting frames to the WebSocket API's connections through `connections`.
    pub fn with_connections(mut self, connections: Arc<dyn ConnectionPoster>) -> Self {
        self.connections = connections;
        self
    }

    /// This context, signing channels as the Pusher app `app`.
    pub fn with_channels_app(mut self, app: ChannelsApp) -> Self {
        self.channels_app = Some(app);
        self
    }

    /// The local run's Pusher app (`LOCAL_CHANNELS_APP_KEY`).
    pub fn local_channels_app() -> ChannelsApp {
        ChannelsApp { key: LOCAL_CHANNELS_APP_KEY.to_owned(), secret: Secret::value(LOCAL_CHANNELS_APP_SECRET) }
    }

    /// This context, mailing alerts as `mail` says.
    pub fn with_alert_mail(mut self, mail: crate::deps::AlertMail) -> Self {
        self.alert_mail = Some(mail);
        self
    }

    /// A cache of views for a new instance over the stores `shared` (one per `StoreName`), its statistics
    /// counted in `counters`.
    pub fn views(clock: Arc<dyn Clock>, shared: TaggedStores, counters: Arc<dyn Cache>) -> Arc<TieredCache> {
        Arc::new(TieredCache::new(clock, shared, counters))
    }

    /// In-memory tagged stores, one per `StoreName`, to share between the simulated instances of a run.
    #[cfg(feature = "memory")]
    pub fn memory_tagged_stores(clock: Arc<dyn Clock>) -> TaggedStores {
        StoreName::ALL
            .into_iter()
            .map(|store| (store, Arc::new(MemoryTaggedCache::new(clock.clone())) as Arc<dyn TaggedCache>))
            .collect()
    }

    /// The embedded default: every port in memory, time from `clock`.
    #[cfg(feature = "memory")]
    pub fn in_memory(clock: Arc<dyn Clock>) -> Self {
        let cache: Arc<dyn Cache> = Arc::new(MemoryCache::new(clock.clone()));
        let views = Self::views(clock.clone(), Self::memory_tagged_stores(clock.clone()), cache.clone());
        let ports = Ports {
            table: Arc::new(MemoryTable::new(clock.clone())),
            cache,
            queue: Arc::new(MemoryQueue::new(clock.clone())),
            panel: Arc::new(MemoryPanel::new()),
            workers: Arc::new(MemoryWorkerPool::default()),
            views,
        };
        Self::new(clock, ports, "memory")
            .with_connections(Arc::new(MemoryConnections::new()))
            .with_channels_app(Self::local_channels_app())
    }

    /// DynamoDB, Redis, SQS and the panels' HTTP API as configured. Builds clients only: no network call
    /// happens until first use.
    pub async fn aws(settings: &AwsSettings, clock: Arc<dyn Clock>) -> Result<Self, ConfigError> {
        let sdk = sdk_config().await;
        let table = DynamoTable::new(aws_sdk_dynamodb::Client::new(&sdk), &settings.table_name, clock.clone());
        // A secret's client is built only when a secret is configured; its first read is on first use.
        let secrets_manager = std::sync::OnceLock::new();
        let secret = |setting: &SecretSetting| match setting {
            SecretSetting::Value(value) => Secret::value(value.as_str()),
            SecretSetting::SecretsManager(id) => Secret::secrets_manager(
                secrets_manager.get_or_init(|| aws_sdk_secretsmanager::Client::new(&sdk)).clone(),
                id,
            ),
        };
        let ca_pem = match &settings.redis_ca_file {
            Some(path) => Some(std::fs::read(path).map_err(|e| ConfigError(format!("REDIS_TLS_CA_FILE {path}: {e}")))?),
            None => None,
        };
        let auth = settings.redis_auth.as_ref().map(secret);
        let redis_at = |url: &str| {
            let endpoint = RedisEndpoint { url: url.to_owned(), ca_pem: ca_pem.clone(), auth: auth.clone() };
            RedisCache::connect_lazily(endpoint, settings.cache_prefix.clone(), clock.clone())
                .map_err(|e| ConfigError(format!("Redis {url}: {e}")))
        };
        let cache = redis_at(&settings.redis_url)?;
        // A store whose URL is REDIS_URL's shares its connection.
        let mut redis_of_store = Vec::new();
        for store in StoreName::ALL {
            let url = settings.store_urls.get(&store).unwrap_or(&settings.redis_url);
            let redis = if *url == settings.redis_url { cache.clone() } else { redis_at(url)? };
            redis_of_store.push((store, Arc::new(redis.tagged(store.as_str())) as Arc<dyn TaggedCache>));
        }
        let queue = SqsQueue::new(aws_sdk_sqs::Client::new(&sdk), settings.queue_urls.clone());
        let credentials =
            PanelCredentials { username: settings.panel_username.clone(), password: secret(&settings.panel_password) };
        let panel =
            HttpPanelClient::new(credentials, settings.panel_scheme.clone()).map_err(|e| ConfigError(e.to_string()))?;
        let workers = LambdaWorkerPool::new(aws_sdk_lambda::Client::new(&sdk), settings.worker_mappings.clone());
        let channels_app =
            settings.channels_app.as_ref().map(|app| ChannelsApp { key: app.key.clone(), secret: secret(&app.secret) });
        let cache: Arc<dyn Cache> = Arc::new(cache);
        let views = Self::views(clock.clone(), redis_of_store, cache.clone());
        let ports = Ports {
            table: Arc::new(table),
            cache,
            queue: Arc::new(queue),
            panel: Arc::new(panel),
            workers: Arc::new(workers),
            views,
        };
        let mut ctx = Self::new(clock, ports, "aws");
        ctx.channels_app = channels_app;
        Ok(ctx)
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

impl crate::deps::HasAlertMail for AppContext {
    fn alert_mail(&self) -> Option<&crate::deps::AlertMail> {
        self.alert_mail.as_ref()
    }
}

impl crate::deps::HasLogSource for AppContext {
    fn log_source(&self) -> Option<&dyn crate::ports::LogSource> {
        self.log_source.as_deref()
    }
}

impl crate::deps::HasRelease for AppContext {
    fn release(&self) -> &crate::deps::Release {
        &self.release
    }
}

impl crate::deps::HasBackendName for AppContext {
    fn backend_name(&self) -> &'static str {
        self.backend
    }
}

impl crate::services::cache::HasCacheWarmers for AppContext {
    fn cache_warmers(&self) -> Vec<crate::services::cache::Warmer<Self>> {
        crate::cache_warmers()
    }
}

impl crate::services::cache::HasTieredCache for AppContext {
    fn tiered_cache(&self) -> &TieredCache {
        &self.views
    }
}

impl crate::services::pricing::HasPricingCache for AppContext {
    fn pricing_cache(&self) -> &PricingCache {
        &self.pricing
    }
}

impl crate::services::realtime::deps::HasConnections for AppContext {
    fn connections(&self) -> &dyn ConnectionPoster {
        &*self.connections
    }
}

#[async_trait::async_trait]
impl crate::services::realtime::deps::HasChannelsApp for AppContext {
    async fn channels_app(&self) -> Result<crate::services::realtime::signature::AppCredentials, String> {
        let app = self.channels_app.as_ref().ok_or("no Pusher app is configured (PUSHER_APP_KEY)")?;
        let secret = app.secret.get().await?;
        Ok(crate::services::realtime::signature::AppCredentials::new(app.key.clone(), secret.as_bytes().to_vec()))
    }
}

/// The WebSocket API's management endpoint, `WEBSOCKET_API_ENDPOINT` (the template sets
/// `https://<api>.execute-api.<region>.amazonaws.com/<stage>`, stage included).
pub async fn websocket_connections() -> Result<crate::adapters::aws::ApiGatewayConnections, ConfigError> {
    let endpoint = std::env::var("WEBSOCKET_API_ENDPOINT")
        .ok()
        .filter(|e| !e.is_empty())
        .ok_or_else(|| ConfigError("environment variable WEBSOCKET_API_ENDPOINT is not set".into()))?;
    let sdk = crate::adapters::aws::sdk_config().await;
    Ok(crate::adapters::aws::ApiGatewayConnections::new(&sdk, &endpoint))
}

/// CloudWatch Logs over every function's log group, `LOG_GROUP_PREFIX` and the function's name (the template
/// sets `/aws/lambda/1000proxy-<stage>-`), kept `LOG_RETENTION_DAYS` (default 30; one of CloudWatch's values).
pub async fn cloudwatch_logs() -> Result<crate::adapters::aws::CloudWatchLogs, ConfigError> {
    use crate::adapters::aws::{CloudWatchLogs, DEFAULT_RETENTION_DAYS, RETENTION_DAYS};
    let prefix = std::env::var("LOG_GROUP_PREFIX")
        .ok()
        .filter(|p| !p.is_empty())
        .ok_or_else(|| ConfigError("environment variable LOG_GROUP_PREFIX is not set".into()))?;
    let days = match std::env::var("LOG_RETENTION_DAYS").ok().filter(|d| !d.is_empty()) {
        None => DEFAULT_RETENTION_DAYS,
        Some(text) => text
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|days| RETENTION_DAYS.contains(days))
            .ok_or_else(|| ConfigError(format!("LOG_RETENTION_DAYS {text}: not one of {RETENTION_DAYS:?}")))?,
    };
    let functions = crate::routes::FUNCTIONS.iter().map(|spec| spec.name.to_owned()).collect();
    let sdk = crate::adapters::aws::sdk_config().await;
    Ok(CloudWatchLogs::new(&sdk, prefix, functions).with_retention_days(days))
}
