//! Port decorators that count every backend call, so the bench can say how many round trips an operation
//! costs on each backend.

use async_trait::async_trait;
use shared::error::PortResult;
use shared::ports::queue::{QueueAttributes, ReceivedMessage};
use shared::ports::table::{Item, Key, Page, Query, TransactOp, Update};
use shared::ports::{
    Cache, CacheServerInfo, Condition, CounterUpdate, JobQueue, QueueRef, Table, TagCount, TaggedCache, TaggedRead,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

#[derive(Default)]
pub struct CallCounts {
    gets: AtomicU64,
    describes: AtomicU64,
    batch_gets: AtomicU64,
    queries: AtomicU64,
    transactions: AtomicU64,
    transaction_items: AtomicU64,
    items_read: AtomicU64,
    writes: AtomicU64,
    cache: AtomicU64,
    queue_sends: AtomicU64,
    queue_other: AtomicU64,
    panel: AtomicU64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub gets: u64,
    /// DescribeTable (the health check's storage figures).
    pub describes: u64,
    pub batch_gets: u64,
    pub queries: u64,
    pub transactions: u64,
    /// The items the transactions wrote.
    pub transaction_items: u64,
    /// The items queries returned.
    pub items_read: u64,
    pub single_writes: u64,
    pub cache: u64,
    pub queue_sends: u64,
    pub queue_other: u64,
    /// Calls to the servers' panels (the health check's probes).
    pub panel: u64,
}

impl Snapshot {
    pub fn since(&self, before: &Snapshot) -> Snapshot {
        Snapshot {
            gets: self.gets - before.gets,
            describes: self.describes - before.describes,
            batch_gets: self.batch_gets - before.batch_gets,
            queries: self.queries - before.queries,
            transactions: self.transactions - before.transactions,
            transaction_items: self.transaction_items - before.transaction_items,
            items_read: self.items_read - before.items_read,
            single_writes: self.single_writes - before.single_writes,
            cache: self.cache - before.cache,
            queue_sends: self.queue_sends - before.queue_sends,
            queue_other: self.queue_other - before.queue_other,
            panel: self.panel - before.panel,
        }
    }

    /// Every read round trip, spelled out: `2 (2 batch gets)`.
    pub fn reads(&self) -> String {
        let total = self.gets + self.batch_gets + self.queries + self.describes;
        let mut parts = Vec::new();
        for (n, one, many) in [
            (self.batch_gets, "batch get", "batch gets"),
            (self.gets, "get", "gets"),
            (self.queries, "query", "queries"),
            (self.describes, "describe", "describes"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {}", if n == 1 { one } else { many }));
            }
        }
        if parts.is_empty() { total.to_string() } else { format!("{total} ({})", parts.join(", ")) }
    }

    pub fn writes(&self) -> u64 {
        self.single_writes
    }
}

impl CallCounts {
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            gets: self.gets.load(Relaxed),
            describes: self.describes.load(Relaxed),
            batch_gets: self.batch_gets.load(Relaxed),
            queries: self.queries.load(Relaxed),
            transactions: self.transactions.load(Relaxed),
            transaction_items: self.transaction_items.load(Relaxed),
            items_read: self.items_read.load(Relaxed),
            single_writes: self.writes.load(Relaxed),
            cache: self.cache.load(Relaxed),
            queue_sends: self.queue_sends.load(Relaxed),
            queue_other: self.queue_other.load(Relaxed),
            panel: self.panel.load(Relaxed),
        }
    }
}

pub struct CountingTable {
    inner: Arc<dyn Table>,
    counts: Arc<CallCounts>,
}

impl CountingTable {
    pub fn new(inner: Arc<dyn Table>, counts: Arc<CallCounts>) -> Self {
        Self { inner, counts }
    }
}

#[async_trait]
impl Table for CountingTable {
    async fn get(&self, key: &Key) -> PortResult<Option<Item>> {
        self.counts.gets.fetch_add(1, Relaxed);
        self.inner.get(key).await
    }
    async fn get_many(&self, keys: &[Key]) -> PortResult<Vec<Item>> {
        // One BatchGetItem per 100 keys.
        self.counts.batch_gets.fetch_add(keys.len().div_ceil(100).max(1) as u64, Relaxed);
        self.inner.get_many(keys).await
    }
    async fn put(&self, item: Item, condition: Option<Condition>) -> PortResult<()> {
        self.counts.writes.fetch_add(1, Relaxed);
        self.inner.put(item, condition).await
    }
    async fn update(&self, update: Update) -> PortResult<Item> {
        self.counts.writes.fetch_add(1, Relaxed);
        self.inner.update(update).await
    }
    async fn delete(&self, key: &Key, condition: Option<Condition>) -> PortResult<()> {
        self.counts.writes.fetch_add(1, Relaxed);
        self.inner.delete(key, condition).await
    }
    async fn transact(&self, ops: Vec<TransactOp>) -> PortResult<()> {
        self.counts.transactions.fetch_add(1, Relaxed);
        self.counts.transaction_items.fetch_add(ops.len() as u64, Relaxed);
        self.inner.transact(ops).await
    }
    async fn query(&self, query: Query) -> PortResult<Page> {
        self.counts.queries.fetch_add(1, Relaxed);
        let page = self.inner.query(query).await?;
        self.counts.items_read.fetch_add(page.items.len() as u64, Relaxed);
        Ok(page)
    }
    async fn ping(&self) -> PortResult<()> {
        // A GetItem on DynamoDB.
        self.counts.gets.fetch_add(1, Relaxed);
        self.inner.ping().await
    }
    async fn describe(&self) -> PortResult<shared::ports::table::TableFigures> {
        self.counts.describes.fetch_add(1, Relaxed);
        self.inner.describe().await
    }
    fn take_throttled(&self) -> u64 {
        self.inner.take_throttled()
    }
}

pub struct CountingCache {
    inner: Arc<dyn Cache>,
    counts: Arc<CallCounts>,
}

impl CountingCache {
    pub fn new(inner: Arc<dyn Cache>, counts: Arc<CallCounts>) -> Self {
        Self { inner, counts }
    }

    fn count(&self) {
        self.counts.cache.fetch_add(1, Relaxed);
    }
}

#[async_trait]
impl Cache for CountingCache {
    async fn get(&self, key: &str) -> PortResult<Option<String>> {
        self.count();
        self.inner.get(key).await
    }
    async fn set(&self, key: &str, value: &str, ttl: Option<Duration>) -> PortResult<()> {
        self.count();
        self.inner.set(key, value, ttl).await
    }
    async fn set_if_absent(&self, key: &str, value: &str, ttl: Duration) -> PortResult<bool> {
        self.count();
        self.inner.set_if_absent(key, value, ttl).await
    }
    async fn delete(&self, key: &str) -> PortResult<()> {
        self.count();
        self.inner.delete(key).await
    }
    async fn delete_if(&self, key: &str, expected: &str) -> PortResult<bool> {
        self.count();
        self.inner.delete_if(key, expected).await
    }
    async fn incr(&self, key: &str, by: i64, ttl: Option<Duration>) -> PortResult<i64> {
        self.count();
        self.inner.incr(key, by, ttl).await
    }
    async fn update_counters(&self, updates: &[CounterUpdate]) -> PortResult<()> {
        self.count();
        self.inner.update_counters(updates).await
    }
    async fn get_many(&self, keys: &[String]) -> PortResult<Vec<Option<String>>> {
        self.count();
        self.inner.get_many(keys).await
    }
    async fn count_distinct(&self, keys: &[String]) -> PortResult<u64> {
        self.count();
        self.inner.count_distinct(keys).await
    }
    async fn ttl(&self, key: &str) -> PortResult<Option<Duration>> {
        self.count();
        self.inner.ttl(key).await
    }
    async fn ping(&self) -> PortResult<()> {
        // A Redis PING.
        self.counts.cache.fetch_add(1, Relaxed);
        self.inner.ping().await
    }
    async fn sorted_put(&self, key: &str, member: &str, score: i64, keep: Duration) -> PortResult<()> {
        self.counts.cache.fetch_add(1, Relaxed);
        self.inner.sorted_put(key, member, score, keep).await
    }
    async fn sorted_since(&self, key: &str, min_score: i64, limit: usize) -> PortResult<Vec<(String, i64)>> {
        self.counts.cache.fetch_add(1, Relaxed);
        self.inner.sorted_since(key, min_score, limit).await
    }
}

/// The panels, each call counted.
pub struct CountingPanel {
    inner: Arc<dyn shared::ports::PanelClient>,
    counts: Arc<CallCounts>,
}

#[async_trait]
impl shared::ports::PanelClient for CountingPanel {
    async fn add_client(
        &self,
        server: &shared::domain::Server,
        client: &shared::ports::PanelClientSpec,
    ) -> PortResult<()> {
        self.counts.panel.fetch_add(1, Relaxed);
        self.inner.add_client(server, client).await
    }
    async fn remove_client(
        &self,
        server: &shared::domain::Server,
        inbound_id: u32,
        client: &shared::domain::ClientId,
    ) -> PortResult<()> {
        self.counts.panel.fetch_add(1, Relaxed);
        self.inner.remove_client(server, inbound_id, client).await
    }
    async fn probe(&self, server: &shared::domain::Server) -> PortResult<()> {
        self.counts.panel.fetch_add(1, Relaxed);
        self.inner.probe(server).await
    }
}

pub struct CountingQueue {
    inner: Arc<dyn JobQueue>,
    counts: Arc<CallCounts>,
}

impl CountingQueue {
    pub fn new(inner: Arc<dyn JobQueue>, counts: Arc<CallCounts>) -> Self {
        Self { inner, counts }
    }
}

#[async_trait]
impl JobQueue for CountingQueue {
    async fn send(&self, queue: QueueRef, body: &str, delay: Option<Duration>) -> PortResult<String> {
        self.counts.queue_sends.fetch_add(1, Relaxed);
        self.inner.send(queue, body, delay).await
    }
    async fn receive(
        &self,
        queue: QueueRef,
        max: u32,
        wait: Duration,
        visibility: Duration,
    ) -> PortResult<Vec<ReceivedMessage>> {
        self.counts.queue_other.fetch_add(1, Relaxed);
        self.inner.receive(queue, max, wait, visibility).await
    }
    async fn delete(&self, queue: QueueRef, receipt_handle: &str) -> PortResult<()> {
        self.counts.queue_other.fetch_add(1, Relaxed);
        self.inner.delete(queue, receipt_handle).await
    }
    async fn release(&self, queue: QueueRef, receipt_handle: &str, after: Duration) -> PortResult<()> {
        self.counts.queue_other.fetch_add(1, Relaxed);
        self.inner.release(queue, receipt_handle, after).await
    }
    async fn attributes(&self, queue: QueueRef) -> PortResult<QueueAttributes> {
        self.counts.queue_other.fetch_add(1, Relaxed);
        self.inner.attributes(queue).await
    }
}

/// Counts the tagged cache's calls as cache round trips.
pub struct CountingTaggedCache {
    inner: Arc<dyn TaggedCache>,
    counts: Arc<CallCounts>,
}

impl CountingTaggedCache {
    fn hit(&self) {
        self.counts.cache.fetch_add(1, Relaxed);
    }
}

#[async_trait]
impl TaggedCache for CountingTaggedCache {
    async fn read(&self, key: &str, tags: &[String]) -> PortResult<TaggedRead> {
        self.hit();
        self.inner.read(key, tags).await
    }

    async fn generations(&self, tags: &[String]) -> PortResult<Vec<u64>> {
        self.hit();
        self.inner.generations(tags).await
    }

    async fn write(
        &self,
        key: &str,
        value: &str,
        ttl: Duration,
        tags: &[String],
        generations: &[u64],
    ) -> PortResult<bool> {
        self.hit();
        self.inner.write(key, value, ttl, tags, generations).await
    }

    async fn invalidate(&self, tags: &[String]) -> PortResult<u64> {
        self.hit();
        self.inner.invalidate(tags).await
    }

    async fn clear(&self) -> PortResult<u64> {
        self.hit();
        self.inner.clear().await
    }

    async fn tags(&self, limit: usize) -> PortResult<Vec<TagCount>> {
        self.hit();
        self.inner.tags(limit).await
    }

    async fn prune_tags(&self) -> PortResult<shared::ports::TagPrune> {
        self.hit();
        self.inner.prune_tags().await
    }

    async fn key_count(&self) -> PortResult<u64> {
        self.hit();
        self.inner.key_count().await
    }

    async fn server_info(&self) -> PortResult<CacheServerInfo> {
        self.hit();
        self.inner.server_info().await
    }
}

/// A test app on `backend` whose table, cache (both kinds) and queue count their calls.
pub async fn counted_app(backend: integration_tests::Backend) -> (integration_tests::TestApp, Arc<CallCounts>) {
    let app = integration_tests::TestApp::new(backend).await;
    let counts = Arc::new(CallCounts::default());
    let ctx = &app.ctx;
    let table: Arc<dyn Table> = Arc::new(CountingTable::new(app.table.clone(), counts.clone()));
    let cache: Arc<dyn Cache> = Arc::new(CountingCache::new(ctx.cache.clone(), counts.clone()));
    let queue: Arc<dyn JobQueue> = Arc::new(CountingQueue::new(ctx.queue.clone(), counts.clone()));
    let tagged: integration_tests::TaggedStores = app
        .tagged
        .iter()
        .map(|(store, inner)| {
            let counted = CountingTaggedCache { inner: inner.clone(), counts: counts.clone() };
            (*store, Arc::new(counted) as Arc<dyn TaggedCache>)
        })
        .collect();
    let ports = shared::app::Ports {
        table: table.clone(),
        cache: cache.clone(),
        queue,
        panel: Arc::new(CountingPanel { inner: ctx.panel.clone(), counts: counts.clone() }),
        workers: ctx.workers.clone(),
        views: shared::app::AppContext::views(ctx.clock.clone(), tagged.clone(), cache),
    };
    let counted = shared::app::AppContext::new(ctx.clock.clone(), ports, ctx.backend)
        .with_connections(app.connections.clone())
        .with_channels_app(shared::app::AppContext::local_channels_app());
    (integration_tests::TestApp { ctx: counted, table, tagged, ..app }, counts)
}
