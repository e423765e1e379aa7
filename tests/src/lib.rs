//! Test harness: the real servers the AWS adapters are tested against (started by `scripts/test-services.sh`),
//! with a fresh table, queue set and key prefix per test so tests run in parallel without seeing each other.
//! A missing server fails the test with the command that starts it; nothing is skipped.

pub mod api;
pub mod cuttable;
pub mod fixtures;
pub mod mail;

use chrono::{TimeZone, Utc};
use shared::adapters::aws::{DynamoTable, QueueUrls, RedisCache, RedisEndpoint, SqsQueue, provision};
use shared::app::AppContext;
use shared::clock::{Clock, ManualClock};
use shared::ports::{Cache, JobQueue, Table, TaggedCache};
use shared::services::cache::StoreName;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

pub const START_HINT: &str =
    "start it with `scripts/test-services.sh start` (or run every test with `scripts/test.sh`)";

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

pub fn aws_endpoint() -> String {
    env_or("TEST_AWS_ENDPOINT", "http://127.0.0.1:15000")
}

pub fn redis_url() -> String {
    env_or("TEST_REDIS_URL", "redis://127.0.0.1:16379/0")
}

/// The `host:port` of a URL such as `redis://127.0.0.1:16379/0` or `http://127.0.0.1:15000`.
fn host_port(url: &str) -> &str {
    url.split("://").nth(1).unwrap_or(url).split('/').next().unwrap_or_default()
}

/// A cuttable link to the server of `url`, and `url` rewritten to go through it.
async fn link_to(url: &str) -> (cuttable::CuttableLink, String) {
    let server = host_port(url);
    let link = cuttable::CuttableLink::to(server).await;
    let through = url.replacen(server, &link.address(), 1);
    (link, through)
}

/// Panics (failing the test) with a clear message when nothing listens at `url`.
fn require(service: &str, url: &str, variable: &str) {
    let host_port = host_port(url);
    let addr: Option<SocketAddr> = host_port.to_socket_addrs().ok().and_then(|mut a| a.next());
    let reachable = addr.is_some_and(|a| TcpStream::connect_timeout(&a, Duration::from_secs(1)).is_ok());
    assert!(reachable, "{service} is not reachable at {url} ({variable}): {START_HINT}");
}

/// A unique name for this test's resources.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", &uuid::Uuid::new_v4().simple().to_string()[..12])
}

/// A clock at a fixed, readable time. Tests move it; the DynamoDB adapter reads TTLs against it too.
pub fn manual_clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).single().expect("valid time")))
}

async fn sdk_config() -> aws_config::SdkConfig {
    let endpoint = aws_endpoint();
    require("The DynamoDB/SQS emulator (moto)", &endpoint, "TEST_AWS_ENDPOINT");
    sdk_config_at(&endpoint).await
}

/// An endpoint on loopback that accepts connections and never answers, as a hung backend does; it stops with
/// the returned task.
pub async fn silent_endpoint() -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a loopback port");
    let endpoint = format!("http://{}", listener.local_addr().expect("its address"));
    let task = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((connection, _)) = listener.accept().await {
            open.push(connection);
        }
    });
    (endpoint, task)
}

/// SDK configuration for any endpoint, with dummy credentials (no emulator needs to be there).
pub async fn sdk_config_at(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("eu-west-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new("x", "x", None, None, "test"))
        .load()
        .await
}

/// A new DynamoDB table (with the production key design) on the emulator.
pub async fn dynamo_table(clock: Arc<dyn Clock>) -> DynamoTable {
    let client = aws_sdk_dynamodb::Client::new(&sdk_config().await);
    let name = unique("table");
    provision::create_table(&client, &name).await.expect("create table on the emulator");
    // The emulator runs DynamoDB requests one at a time (see scripts/moto_server.py), and answers slower the more
    // a run has put in it: how long a call queues depends on the other test thread. Production keeps the
    // adapter's default limit (tested on its own in table_behaviour).
    DynamoTable::new(client, name, clock).with_timeout(Duration::from_secs(60))
}

/// A new DynamoDB table on the emulator, reached through a link the test can cut, freeze or make hold its
/// answers, with the adapter's time limit at `limit`.
pub async fn dynamo_table_through_link(
    clock: Arc<dyn Clock>,
    limit: Duration,
) -> (DynamoTable, cuttable::CuttableLink) {
    let direct = aws_sdk_dynamodb::Client::new(&sdk_config().await);
    let name = unique("table");
    provision::create_table(&direct, &name).await.expect("create table on the emulator");
    let (link, through) = link_to(&aws_endpoint()).await;
    let client = aws_sdk_dynamodb::Client::new(&sdk_config_at(&through).await);
    (DynamoTable::new(client, name, clock).with_timeout(limit), link)
}

/// Ten new SQS queues (five priorities with DLQs) on the emulator.
pub async fn sqs_queues() -> SqsQueue {
    let client = aws_sdk_sqs::Client::new(&sdk_config().await);
    let urls: QueueUrls = provision::create_queues(&client, &unique("q")).await.expect("create queues on the emulator");
    // As for the table: the emulator answers slower the more a run has put in it, and how long the other test
    // threads keep it busy varies; production keeps the adapter's default limit.
    SqsQueue::new(client, urls).with_timeout(Duration::from_secs(60))
}

/// Ten new SQS queues on the emulator, reached through a link the test can cut, with the adapter's default
/// time limit.
pub async fn sqs_queues_through_link() -> (SqsQueue, cuttable::CuttableLink) {
    let direct = aws_sdk_sqs::Client::new(&sdk_config().await);
    let urls: QueueUrls = provision::create_queues(&direct, &unique("q")).await.expect("create queues on the emulator");
    let (link, through) = link_to(&aws_endpoint()).await;
    let client = aws_sdk_sqs::Client::new(&sdk_config_at(&through).await);
    (SqsQueue::new(client, urls), link)
}

/// The test Redis, with a key prefix of this test's own.
pub async fn redis_cache(clock: Arc<dyn Clock>) -> RedisCache {
    let url = redis_url();
    require("Redis", &url, "TEST_REDIS_URL");
    RedisCache::connect_lazily(RedisEndpoint::url(url), format!("{}:", unique("test")), clock).expect("redis client")
}

/// The emulator's Secrets Manager.
pub async fn secrets_manager() -> aws_sdk_secretsmanager::Client {
    require("moto", &aws_endpoint(), "TEST_AWS_ENDPOINT");
    aws_sdk_secretsmanager::Client::new(&sdk_config().await)
}

/// A new secret in the emulator's Secrets Manager holding `value`; its ARN.
pub async fn stored_secret(value: &str) -> String {
    let created = secrets_manager()
        .await
        .create_secret()
        .name(unique("secret"))
        .secret_string(value)
        .send()
        .await
        .expect("a secret in the emulator");
    created.arn.expect("its ARN")
}

/// The TLS-only Redis that requires an AUTH token (`scripts/test-services.sh`): its URL, its CA's PEM and its
/// token.
pub fn tls_redis() -> (String, Vec<u8>, String) {
    let url = env_or("TEST_REDIS_TLS_URL", "rediss://localhost:16380/0");
    require("the TLS Redis", &url, "TEST_REDIS_TLS_URL");
    let ca_file = env_or("TEST_REDIS_TLS_CA", ".test-services/tls/ca.pem");
    let ca = std::fs::read(&ca_file).unwrap_or_else(|e| panic!("the TLS Redis's CA {ca_file} ({e}): {START_HINT}"));
    (url, ca, env_or("TEST_REDIS_TLS_PASSWORD", "test-auth-token-0123456789"))
}

/// The test Redis behind a link this test can cut (`CuttableLink::cut`), with a key prefix of its own: Redis
/// stopping mid-test for this test's clients only.
pub async fn cuttable_redis_cache(clock: Arc<dyn Clock>) -> (RedisCache, cuttable::CuttableLink) {
    let url = redis_url();
    require("Redis", &url, "TEST_REDIS_URL");
    let (link, through) = link_to(&url).await;
    let cache = RedisCache::connect_lazily(RedisEndpoint::url(through), format!("{}:", unique("test")), clock)
        .expect("redis client");
    (cache, link)
}

/// How many attempts a race test keeps in flight at once. The emulator runs DynamoDB requests one at a time, so
/// past a few dozen, more concurrent attempts add no contention, only queueing: 200 unbounded checkouts queued
/// behind each other for over a minute on a loaded machine and ran into the store's time limit. Sixteen in
/// flight still read the same counters before any of them writes, so every condition under test is raced.
pub const RACE_IN_FLIGHT: usize = 16;

/// Runs `attempts` concurrently, at most `RACE_IN_FLIGHT` at a time, and returns their results in any order.
pub async fn race<T>(attempts: impl IntoIterator<Item = impl std::future::Future<Output = T>>) -> Vec<T> {
    use futures_util::StreamExt;
    futures_util::stream::iter(attempts).buffer_unordered(RACE_IN_FLIGHT).collect().await
}

/// Which adapters a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Memory,
    Aws,
}

/// An application context on either backend, with a manual clock.
pub struct TestApp {
    pub backend: Backend,
    pub clock: Arc<ManualClock>,
    pub ctx: AppContext,
    /// The table under `ctx`'s repositories, for what only a harness does: seeding data at scale, counting
    /// calls. Services reach it through the repositories only.
    pub table: Arc<dyn Table>,
    /// The cache's shared stores, for another instance of the same backend (`another_instance`).
    pub tagged: TaggedStores,
    /// The WebSocket API's connections, in process on both backends (as the local server answers the
    /// management API): a test opens a connection here to receive what is posted to it.
    pub connections: Arc<shared::adapters::memory::MemoryConnections>,
}

pub use shared::app::TaggedStores;

/// The tagged stores of the cache over a test Redis (under its prefix).
pub fn redis_tagged_stores(redis: &RedisCache) -> TaggedStores {
    StoreName::ALL.into_iter().map(|s| (s, Arc::new(redis.tagged(s.as_str())) as Arc<dyn TaggedCache>)).collect()
}

/// Stops and restarts the cache's Redis tier of a `TestApp::with_cache_outage`: the in-memory twins of the
/// tagged stores, or the link to the test Redis (which also carries the plain cache: rate limits, metrics).
pub enum CacheOutage {
    Memory(Vec<Arc<shared::adapters::memory::MemoryTaggedCache>>),
    Redis(cuttable::CuttableLink),
}

impl CacheOutage {
    pub fn stop(&self) {
        match self {
            CacheOutage::Memory(twins) => twins.iter().for_each(|t| t.set_available(false)),
            CacheOutage::Redis(link) => link.cut(),
        }
    }

    /// The cache hangs: connections stay open and nothing is answered (Redis only; the memory twin cannot
    /// hang).
    pub fn freeze(&self) {
        match self {
            CacheOutage::Memory(_) => panic!("only a Redis can hang"),
            CacheOutage::Redis(link) => link.freeze(),
        }
    }

    pub fn restart(&self) {
        match self {
            CacheOutage::Memory(twins) => twins.iter().for_each(|t| t.set_available(true)),
            CacheOutage::Redis(link) => link.restore(),
        }
    }
}

impl TestApp {
    pub async fn new(backend: Backend) -> Self {
        Self::build(backend, false).await.0
    }

    /// An app whose cache tier the test can stop mid-test (`CacheOutage::stop`).
    pub async fn with_cache_outage(backend: Backend) -> (Self, CacheOutage) {
        let (app, outage) = Self::build(backend, true).await;
        (app, outage.expect("an outage handle"))
    }

    async fn build(backend: Backend, cuttable: bool) -> (Self, Option<CacheOutage>) {
        let clock = manual_clock();
        use shared::adapters::memory::{MemoryCache, MemoryPanel, MemoryQueue, MemoryTable, MemoryWorkerPool};
        let (table, cache, queue): (Arc<dyn Table>, Arc<dyn Cache>, Arc<dyn JobQueue>);
        let tagged: TaggedStores;
        let mut outage = None;
        match backend {
            Backend::Memory => {
                table = Arc::new(MemoryTable::new(clock.clone()));
                cache = Arc::new(MemoryCache::new(clock.clone()));
                queue = Arc::new(MemoryQueue::new(clock.clone()));
                if cuttable {
                    let twins: Vec<Arc<shared::adapters::memory::MemoryTaggedCache>> = StoreName::ALL
                        .iter()
                        .map(|_| Arc::new(shared::adapters::memory::MemoryTaggedCache::new(clock.clone())))
                        .collect();
                    tagged = StoreName::ALL
                        .into_iter()
                        .zip(twins.iter().map(|t| t.clone() as Arc<dyn TaggedCache>))
                        .collect();
                    outage = Some(CacheOutage::Memory(twins));
                } else {
                    tagged = AppContext::memory_tagged_stores(clock.clone());
                }
            }
            Backend::Aws => {
                let redis = if cuttable {
                    let (redis, link) = cuttable_redis_cache(clock.clone()).await;
                    outage = Some(CacheOutage::Redis(link));
                    redis
                } else {
                    redis_cache(clock.clone()).await
                };
                tagged = redis_tagged_stores(&redis);
                table = Arc::new(dynamo_table(clock.clone()).await);
                cache = Arc::new(redis);
                queue = Arc::new(sqs_queues().await);
            }
        }
        // Panels are simulated on both backends: no real X-UI server exists here.
        let (panel, workers) = (Arc::new(MemoryPanel::new()), Arc::new(MemoryWorkerPool::default()));
        let name = if backend == Backend::Memory { "memory" } else { "aws" };
        let views = AppContext::views(clock.clone(), tagged.clone(), cache.clone());
        let ports = shared::app::Ports { table: table.clone(), cache, queue, panel, workers, views };
        let connections = Arc::new(shared::adapters::memory::MemoryConnections::new());
        let ctx = AppContext::new(clock.clone(), ports, name)
            .with_connections(connections.clone())
            .with_channels_app(AppContext::local_channels_app());
        (Self { backend, clock, ctx, table, tagged, connections }, outage)
    }

    /// This app as another function instance (`another_instance`), for calls through the API harness.
    pub fn on_another_instance(&self) -> TestApp {
        TestApp {
            backend: self.backend,
            clock: self.clock.clone(),
            ctx: self.another_instance(),
            table: self.table.clone(),
            tagged: self.tagged.clone(),
            connections: self.connections.clone(),
        }
    }

    /// Another function instance on the same backend: the same table, queues and Redis, its own instance
    /// tier of the cache (and its own pricing cache).
    pub fn another_instance(&self) -> AppContext {
        let mut ctx = self.ctx.clone();
        ctx.views = AppContext::views(self.clock.clone(), self.tagged.clone(), self.ctx.cache.clone());
        ctx.pricing = Arc::default();
        ctx
    }

    /// Lets `by` pass for everything that keeps time: the manual clock, and — on the AWS backend, whose
    /// servers keep their own time for visibility and expiry — the wall clock too.
    pub async fn pass(&self, by: Duration) {
        self.clock.advance(chrono::Duration::from_std(by).expect("duration"));
        if self.backend == Backend::Aws {
            tokio::time::sleep(by).await;
        }
    }
}

/// Generates, for each named `async fn(TestApp)`, one test on the in-memory backend (module `memory`) and
/// one on the AWS backend against the emulators (module `aws`).
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod memory {
            $(#[tokio::test]
            async fn $name() {
                super::$name($crate::TestApp::new($crate::Backend::Memory).await).await
            })*
        }
        mod aws {
            $(#[tokio::test]
            async fn $name() {
                super::$name($crate::TestApp::new($crate::Backend::Aws).await).await
            })*
        }
    };
}

/// A worker pool on the emulator's Lambda: a function, and for each priority an SQS queue of its own (only
/// the mapping's limit matters here; nothing is ever sent to them, so the emulator never invokes the
/// function) mapped to it with `MaximumConcurrency = initial`.
pub async fn lambda_worker_pool(initial: u32) -> shared::adapters::aws::LambdaWorkerPool {
    lambda_worker_pool_with_client(initial).await.0
}

/// `lambda_worker_pool`, with the Lambda client that made it (to change a mapping behind the pool's back).
pub async fn lambda_worker_pool_with_client(
    initial: u32,
) -> (shared::adapters::aws::LambdaWorkerPool, aws_sdk_lambda::Client) {
    use aws_sdk_lambda::types::{FunctionCode, Runtime, ScalingConfig};
    let sdk = sdk_config().await;
    let role = create_role(&unique("worker-role")).await;
    let lambda = aws_sdk_lambda::Client::new(&sdk);
    let function = unique("worker");
    // The smallest valid zip (an empty archive): the emulator stores the code, it does not run it here.
    let mut empty_zip = b"PK\x05\x06".to_vec();
    empty_zip.resize(22, 0);
    lambda
        .create_function()
        .function_name(&function)
        .runtime(Runtime::Providedal2023)
        .handler("bootstrap")
        .role(role)
        .code(FunctionCode::builder().zip_file(empty_zip.into()).build())
        .send()
        .await
        .expect("create the worker function on the emulator");
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let mut mappings = std::collections::BTreeMap::new();
    for queue in shared::domain::Priority::ALL {
        let url = sqs.create_queue().queue_name(unique(queue.as_str())).send().await.expect("queue").queue_url;
        let attributes = sqs
            .get_queue_attributes()
            .queue_url(url.expect("queue url"))
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await
            .expect("queue arn");
        let arn = attributes.attributes().and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn));
        let mapping = lambda
            .create_event_source_mapping()
            .function_name(&function)
            .event_source_arn(arn.expect("queue arn").clone())
            .batch_size(10)
            .scaling_config(ScalingConfig::builder().maximum_concurrency(initial as i32).build())
            .send()
            .await
            .expect("create the event source mapping on the emulator");
        mappings.insert(queue, mapping.uuid.expect("mapping uuid"));
    }
    (shared::adapters::aws::LambdaWorkerPool::new(lambda.clone(), mappings), lambda)
}

/// Creates an IAM role on the emulator (Lambda refuses a function whose role does not exist) and returns its
/// ARN. IAM speaks the query protocol, for which this workspace has no SDK client: one form POST does it; the
/// emulator reads the service from the credential scope and does not check the signature.
async fn create_role(name: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let endpoint = aws_endpoint();
    let host = endpoint.trim_start_matches("http://").trim_end_matches('/').to_owned();
    let body = format!(
        "Action=CreateRole&Version=2010-05-08&RoleName={name}&AssumeRolePolicyDocument=%7B%22Version%22%3A%222012-10-17%22%7D"
    );
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(&host).await.expect("connect to the emulator");
    stream.write_all(request.as_bytes()).await.expect("send CreateRole");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read CreateRole's answer");
    let arn = response.split("<Arn>").nth(1).and_then(|rest| rest.split("</Arn>").next());
    arn.unwrap_or_else(|| panic!("CreateRole failed on the emulator: {response}")).to_owned()
}

/// A condition `key` seen at `severity` by the tests' own source, with a message that names both.
pub fn sighting(key: &str, severity: shared::domain::AlertSeverity) -> shared::services::alerts::Sighting<'_> {
    shared::services::alerts::Sighting {
        severity,
        source: "test",
        key,
        message: format!("{key} is {severity:?}"),
        details: serde_json::json!({}),
    }
}

/// Takes every message off `priority`'s queue, sends each back twice (SQS delivers at least once) and runs the
/// worker on them, round after round, until no message is left: what the jobs hand on is delivered twice too.
/// Returns how many messages the first round took.
pub async fn deliver_every_message_twice(app: &TestApp, priority: shared::domain::Priority) -> usize {
    let queue = shared::ports::QueueRef::Main(priority);
    let mut first_round = None;
    loop {
        let mut bodies = Vec::new();
        loop {
            let batch =
                app.ctx.queue.receive(queue, 10, Duration::from_secs(1), Duration::from_secs(600)).await.unwrap();
            for message in &batch {
                bodies.push(message.body.clone());
                app.ctx.queue.delete(queue, &message.receipt_handle).await.unwrap();
            }
            if app.ctx.queue.attributes(queue).await.unwrap().visible == 0 {
                break;
            }
        }
        first_round.get_or_insert(bodies.len());
        if bodies.is_empty() {
            return first_round.unwrap_or(0);
        }
        for body in bodies.iter().chain(&bodies) {
            app.ctx.queue.send(queue, body, None).await.unwrap();
        }
        drain(app, priority).await;
    }
}

/// As if the queue workers had just run a job of every queue (their metrics say so): a health check then judges
/// backlogs and dead letters without also seeing a stall (ready jobs and none run in the past five minutes),
/// which is how a test that sends jobs nobody runs would otherwise look.
pub async fn workers_ran_lately(app: &TestApp) {
    use shared::services::queues::metrics::{JobSample, SampleOutcome, record};
    let samples: Vec<JobSample> = shared::domain::Priority::ALL
        .into_iter()
        .map(|queue| JobSample {
            queue: Some(queue),
            job_type: "event.publish".into(),
            runtime: Duration::from_millis(5),
            waited: Some(Duration::from_millis(10)),
            outcome: SampleOutcome::Done,
        })
        .collect();
    record(&*app.ctx.cache, &samples, shared::clock::Clock::now(&*app.clock)).await;
}

/// Runs the queue worker on one queue until it has nothing left, as the Lambda event source would: batches of
/// up to 10. Returns every message's outcome. A message stays invisible for 30 s (SQS's default) while it runs:
/// with a one-second visibility, a batch that took longer on a loaded emulator came back and ran twice, and a
/// test counting outcomes failed by chance. (A failed job therefore comes back after the drain: tests of
/// retries poll themselves, with a short visibility.)
pub async fn drain(app: &TestApp, queue: shared::domain::Priority) -> Vec<shared::worker::MessageOutcome> {
    let registry = shared::worker::standard_registry();
    let wait = if app.backend == Backend::Aws { Duration::from_secs(2) } else { Duration::ZERO };
    let mut outcomes = Vec::new();
    loop {
        let report = shared::worker::poll_once(
            &app.ctx,
            &registry,
            shared::ports::QueueRef::Main(queue),
            wait,
            Duration::from_secs(30),
        )
        .await
        .unwrap();
        if report.outcomes.is_empty() {
            return outcomes;
        }
        outcomes.extend(report.outcomes.into_iter().map(|(_, o)| o));
    }
}
