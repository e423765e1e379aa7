//! The health check and its scheduled run: statuses from measured dependencies and real queue depths.

use async_trait::async_trait;
use integration_tests::{Backend, TestApp, manual_clock};
use shared::app::AppContext;
use shared::domain::Priority;
use shared::error::{Backend as Dependency, PortError, PortResult};
use shared::ports::{Cache, CacheServerInfo, CounterUpdate, QueueRef, TagCount, TaggedCache, TaggedRead};
use shared::services::cache::StoreName;
use shared::services::health::{self, CACHE_KEY, DependencyState, HealthStatus, HealthThresholds};
use std::sync::Arc;
use std::time::Duration;

#[tokio::test]
async fn all_dependencies_up_is_healthy_on_both_backends() {
    for backend in [Backend::Memory, Backend::Aws] {
        let app = TestApp::new(backend).await;
        let report = health::check(&app.ctx, &HealthThresholds::default()).await;
        assert_eq!(report.status, HealthStatus::Healthy, "{backend:?}: {:?}", report.findings);
        assert_eq!(report.dependencies.len(), 4);
        assert!(report.dependencies.iter().all(|d| d.state == DependencyState::Up && d.latency_ms >= 0.0));
        assert_eq!(report.queues.len(), 5);
        let server = report.dependencies[1].server.as_deref().unwrap_or_default();
        let expected = if backend == Backend::Aws { "redis 7." } else { "memory, standalone" };
        assert!(server.starts_with(expected), "{backend:?}: the cache's server says {server}");
    }
}

/// The cache's store on a server that says it is `version` in `mode`; otherwise the in-memory twin.
struct ServerSaying {
    version: &'static str,
    mode: &'static str,
    store: shared::adapters::memory::MemoryTaggedCache,
}

#[async_trait]
impl TaggedCache for ServerSaying {
    async fn read(&self, key: &str, tags: &[String]) -> PortResult<TaggedRead> {
        self.store.read(key, tags).await
    }
    async fn generations(&self, tags: &[String]) -> PortResult<Vec<u64>> {
        self.store.generations(tags).await
    }
    async fn write(&self, key: &str, value: &str, ttl: Duration, tags: &[String], seen: &[u64]) -> PortResult<bool> {
        self.store.write(key, value, ttl, tags, seen).await
    }
    async fn invalidate(&self, tags: &[String]) -> PortResult<u64> {
        self.store.invalidate(tags).await
    }
    async fn clear(&self) -> PortResult<u64> {
        self.store.clear().await
    }
    async fn tags(&self, limit: usize) -> PortResult<Vec<TagCount>> {
        self.store.tags(limit).await
    }
    async fn prune_tags(&self) -> PortResult<shared::ports::TagPrune> {
        self.store.prune_tags().await
    }
    async fn key_count(&self) -> PortResult<u64> {
        self.store.key_count().await
    }
    async fn server_info(&self) -> PortResult<CacheServerInfo> {
        Ok(CacheServerInfo { version: self.version.into(), mode: self.mode.into(), ..CacheServerInfo::default() })
    }
}

#[tokio::test]
async fn a_cache_server_older_than_7_or_in_cluster_mode_degrades_and_says_why() {
    for (version, mode, why) in
        [("redis 6.2.14", "standalone", "older than 7.0"), ("valkey 8.0.1", "cluster", "cluster mode disabled")]
    {
        let clock = manual_clock();
        let memory = AppContext::in_memory(clock.clone());
        let store = shared::adapters::memory::MemoryTaggedCache::new(clock.clone());
        let stores: shared::app::TaggedStores =
            vec![(StoreName::Default, Arc::new(ServerSaying { version, mode, store }))];
        let ports = shared::app::Ports {
            table: Arc::new(shared::adapters::memory::MemoryTable::new(clock.clone())),
            cache: memory.cache.clone(),
            queue: memory.queue.clone(),
            panel: memory.panel.clone(),
            workers: memory.workers.clone(),
            views: AppContext::views(clock.clone(), stores, memory.cache.clone()),
        };
        let ctx = AppContext::new(clock, ports, "test");
        let report = health::check(&ctx, &HealthThresholds::default()).await;
        assert_eq!(report.status, HealthStatus::Degraded, "{version} {mode}");
        assert_eq!(report.dependencies[1].server.as_deref(), Some(format!("{version}, {mode}").as_str()));
        assert!(report.findings.iter().any(|f| f.message.contains(why)), "{:?}", report.findings);
    }
}

/// A cache whose server is gone.
struct DownCache;

#[async_trait]
impl Cache for DownCache {
    async fn get(&self, _: &str) -> PortResult<Option<String>> {
        Err(PortError::unavailable(Dependency::Cache, "connection refused"))
    }
    async fn set(&self, _: &str, _: &str, _: Option<Duration>) -> PortResult<()> {
        Err(PortError::unavailable(Dependency::Cache, "connection refused"))
    }
    async fn set_if_absent(&self, _: &str, _: &str, _: Duration) -> PortResult<bool> {
        Err(PortError::unavailable(Dependency::Cache, "connection refused"))
    }
    async fn delete(&self, _: &str) -> PortResult<()> {
        Err(PortError::unavailable(Dependency::Cache, "connection refused"))
    }
    async fn count_distinct(&self, _: &[String]) -> PortResult<u64> {
        Err(PortError::unavailable(Dependency::Cache, "connection refused"))
    }
    async fn delete_if(&self, _: &str, _: &str) -> PortResult<bool> {
        Err(PortError::unavailable(Dependency::Cache, "connection refused"))
    }
    async fn incr(&self, _: &str, _: i64, _: Option<Duration>) -> PortResult<i64> {
        Err(PortError::unavailable(Dependency::Cache, "connection refused"))
    }
    async fn update_counters(&self, _: &[CounterUpdate]) -> PortResult<()> {
        Err(PortError::unavailable(Dependency::Cache, "connection refused"))
    }
    async fn get_many(&self, _: &[String]) -> PortResult<Vec<Option<String>>> {
        Err(PortError::unavailable(Dependency::Cache, "connection refused"))
    }
    async fn ttl(&self, _: &str) -> PortResult<Option<Duration>> {
        Err(PortError::unavailable(Dependency::Cache, "connection refused"))
    }
    async fn ping(&self) -> PortResult<()> {
        Err(PortError::unavailable(Dependency::Cache, "connection refused"))
    }
    async fn sorted_put(&self, _: &str, _: &str, _: i64, _: Duration) -> PortResult<()> {
        Err(PortError::unavailable(Dependency::Cache, "connection refused"))
    }
    async fn sorted_since(&self, _: &str, _: i64, _: usize) -> PortResult<Vec<(String, i64)>> {
        Err(PortError::unavailable(Dependency::Cache, "connection refused"))
    }
}

#[tokio::test]
async fn a_dead_cache_degrades_and_a_dead_store_is_critical() {
    let clock = manual_clock();
    let memory = AppContext::in_memory(clock.clone());
    let ports = |table: Arc<dyn shared::ports::Table>, cache: Arc<dyn Cache>| shared::app::Ports {
        table,
        cache,
        queue: memory.queue.clone(),
        panel: memory.panel.clone(),
        workers: memory.workers.clone(),
        views: memory.views.clone(),
    };
    let memory_table = Arc::new(shared::adapters::memory::MemoryTable::new(clock.clone()));
    let no_cache = AppContext::new(clock.clone(), ports(memory_table, Arc::new(DownCache)), "test");
    let report = health::check(&no_cache, &HealthThresholds::default()).await;
    assert_eq!(report.status, HealthStatus::Degraded);
    assert!(report.findings[0].message.contains("cache is unavailable"), "{:?}", report.findings);

    // A DynamoDB endpoint where nothing listens: the store is down.
    let sdk = integration_tests::sdk_config_at("http://127.0.0.1:9").await;
    let dead_table = shared::adapters::aws::DynamoTable::new(aws_sdk_dynamodb::Client::new(&sdk), "t", clock.clone())
        .with_timeout(Duration::from_secs(2));
    let no_store = AppContext::new(clock, ports(Arc::new(dead_table), memory.cache.clone()), "test");
    let report = health::check(&no_store, &HealthThresholds::default()).await;
    assert_eq!(report.status, HealthStatus::Critical);
    assert_eq!(report.dependencies[0].state, DependencyState::Down);
}

#[tokio::test]
async fn backlogs_and_dead_letters_move_the_status_at_their_thresholds() {
    let app = TestApp::new(Backend::Memory).await;
    let thresholds = HealthThresholds {
        backlog_warning: 3,
        backlog_critical: 6,
        high_backlog_warning: 1,
        dead_letter_warning: 2,
        dead_letter_critical: 4,
        ..HealthThresholds::default()
    };
    let send = |queue: QueueRef, n: usize| {
        let q = app.ctx.queue.clone();
        async move {
            for _ in 0..n {
                q.send(queue, "{}", None).await.unwrap();
            }
        }
    };
    integration_tests::workers_ran_lately(&app).await;
    send(QueueRef::Main(Priority::Low), 3).await;
    assert_eq!(health::check(&app.ctx, &thresholds).await.status, HealthStatus::Healthy, "3 is not above 3");
    send(QueueRef::Main(Priority::Low), 1).await;
    assert_eq!(health::check(&app.ctx, &thresholds).await.status, HealthStatus::Degraded);
    send(QueueRef::Main(Priority::Low), 3).await;
    let report = health::check(&app.ctx, &thresholds).await;
    assert_eq!(report.status, HealthStatus::Critical);
    assert_eq!(report.queues.iter().find(|q| q.queue == "low").unwrap().visible, 7);

    let app = TestApp::new(Backend::Memory).await;
    integration_tests::workers_ran_lately(&app).await;
    app.ctx.queue.send(QueueRef::Main(Priority::High), "{}", None).await.unwrap();
    app.ctx.queue.send(QueueRef::Main(Priority::High), "{}", None).await.unwrap();
    assert_eq!(health::check(&app.ctx, &thresholds).await.status, HealthStatus::Degraded, "high has a lower bar");

    let app = TestApp::new(Backend::Memory).await;
    for _ in 0..5 {
        app.ctx.queue.send(QueueRef::DeadLetter(Priority::Default), "{}", None).await.unwrap();
    }
    let report = health::check(&app.ctx, &thresholds).await;
    assert_eq!(report.status, HealthStatus::Critical);
    let dead = report.findings.iter().find(|f| f.condition == "queue:default:failed").expect("a dead-letter finding");
    assert!(dead.message.starts_with("Queue default has 5 dead letters (critical above 4)."), "{dead:?}");

    // Ready jobs that no worker has run in five minutes: a stall, said with what to look at.
    let app = TestApp::new(Backend::Memory).await;
    app.ctx.queue.send(QueueRef::Main(Priority::Default), "{}", None).await.unwrap();
    let stalled = health::check(&app.ctx, &thresholds).await;
    let finding = stalled.findings.iter().find(|f| f.condition == "queue:default:stalled").expect("a stall");
    assert_eq!(finding.status, HealthStatus::Degraded);
    assert!(finding.message.contains("none was run in the past five minutes"), "{finding:?}");
    let depth = stalled.queues.iter().find(|q| q.queue == "default").unwrap();
    assert_eq!((depth.visible, depth.jobs_past_hour, depth.max_concurrency), (1, Some(0), Some(5)));
}

#[tokio::test]
async fn the_scheduled_check_caches_the_report() {
    for backend in [Backend::Memory, Backend::Aws] {
        let app = TestApp::new(backend).await;
        let rule_event = serde_json::json!({
            "version": "0", "id": "53dc4d37", "detail-type": "Scheduled Event", "source": "aws.events",
            "account": "123456789012", "time": "2026-11-24T12:00:00Z", "region": "eu-west-1",
            "resources": ["arn:aws:events:eu-west-1:123456789012:rule/health"], "detail": {}
        });
        let summary = shared::services::monitoring::scheduled::health_check(&app.ctx, rule_event).await.unwrap();
        assert_eq!(summary["status"], "healthy");
        assert_eq!(summary["invoked_by"], "eventbridge-rule");
        let cached: serde_json::Value =
            serde_json::from_str(&app.ctx.cache.get(CACHE_KEY).await.unwrap().expect("cached")).unwrap();
        assert_eq!(cached["status"], "healthy");
        let ttl = app.ctx.cache.ttl(CACHE_KEY).await.unwrap().expect("expires");
        assert!(ttl <= Duration::from_secs(600) && ttl > Duration::from_secs(590), "{ttl:?}");

        // The alert it raises while unhealthy: `alerts.rs`.
    }
}

#[tokio::test]
async fn a_payload_that_is_not_a_schedule_is_refused() {
    let app = TestApp::new(Backend::Memory).await;
    let error =
        shared::services::monitoring::scheduled::health_check(&app.ctx, serde_json::json!("run")).await.unwrap_err();
    assert!(error.contains("JSON object"), "{error}");
    let other =
        serde_json::json!({"detail-type": "EC2 Instance State-change Notification", "time": "2026-11-24T12:00:00Z"});
    assert!(shared::services::monitoring::scheduled::health_check(&app.ctx, other).await.is_err());
}

/// A worker pool whose API cannot be reached (no route from the functions' subnets to Lambda's endpoint).
struct NoRouteToWorkers;

#[async_trait]
impl shared::ports::WorkerPool for NoRouteToWorkers {
    async fn max_concurrency(&self, _: Priority) -> PortResult<Option<u32>> {
        Err(PortError::Timeout { backend: Dependency::Workers, operation: "get_event_source_mapping" })
    }
    async fn set_max_concurrency(&self, _: Priority, _: u32) -> PortResult<()> {
        Err(PortError::Timeout { backend: Dependency::Workers, operation: "update_event_source_mapping" })
    }
}

#[tokio::test]
async fn a_worker_pool_out_of_reach_degrades_the_health_and_fails_the_autoscale_run() {
    let clock = manual_clock();
    let memory = AppContext::in_memory(clock.clone());
    let ports = shared::app::Ports {
        table: Arc::new(shared::adapters::memory::MemoryTable::new(clock.clone())),
        cache: memory.cache.clone(),
        queue: memory.queue.clone(),
        panel: memory.panel.clone(),
        workers: Arc::new(NoRouteToWorkers),
        views: memory.views.clone(),
    };
    let ctx = AppContext::new(clock, ports, "test");
    let report = health::check(&ctx, &HealthThresholds::default()).await;
    assert_eq!(report.status, HealthStatus::Degraded);
    let workers = report.dependencies.iter().find(|d| d.name == Dependency::Workers).expect("probed");
    assert_eq!(workers.state, DependencyState::Down);
    assert!(
        report.findings.iter().any(|f| f.message.starts_with("The worker pool is unavailable")),
        "{:?}",
        report.findings
    );

    // Not a silently skipped autoscale: the run fails (and the function's alarm with it), saying why.
    let payload = serde_json::json!({"scheduled_time": "2026-11-25T13:05:00Z"});
    let run = shared::handlers::scheduled(&shared::routes::QUEUE_AUTOSCALE, &ctx, payload).await.unwrap();
    let error = run.unwrap_err();
    assert!(error.contains("worker limits not readable") && error.contains("high:"), "{error}");
}

// ---------------------------------------------------------------------------------------------------------
// The data checks: servers and orders, at their thresholds
// ---------------------------------------------------------------------------------------------------------

integration_tests::on_both_backends!(
    the_servers_check_counts_servers_up_and_in_the_critical_band_and_none_up_is_critical,
    the_servers_check_probes_a_slice_of_the_panels_each_run_a_bounded_number_at_a_time,
    the_application_check_finds_orders_stuck_before_provisioning,
    the_application_check_judges_each_function_s_server_errors_and_p95_from_its_requests,
    the_cache_check_judges_each_store_s_hit_rate_and_redis_s_memory,
    the_storage_check_reports_the_table_the_dead_letters_and_a_function_s_tmp,
);

fn check_named<'a>(
    report: &'a health::HealthReport,
    name: &str,
) -> &'a shared::services::monitoring::checks::CheckResult {
    report.checks.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("a {name} check: {report:?}"))
}

async fn the_servers_check_probes_a_slice_of_the_panels_each_run_a_bounded_number_at_a_time(mut app: TestApp) {
    use integration_tests::fixtures::shop;
    use shared::services::monitoring::checks::PANEL_FAN_OUT;
    let panel = Arc::new(shared::adapters::memory::MemoryPanel::new());
    app.ctx.panel = panel.clone();
    let mut shops = Vec::new();
    for _ in 0..20 {
        shops.push(shop(&app.ctx, 10, "5.00").await);
    }
    let every = HealthThresholds { panel_probes: 20, ..HealthThresholds::default() };
    let answered = health::check(&app.ctx, &every).await;
    let servers = check_named(&answered, "servers");
    assert_eq!(
        (servers.status, servers.figures["panels_probed"], servers.figures["panels_unanswered"]),
        (HealthStatus::Healthy, 20, 0)
    );
    assert!(servers.finding.ends_with("20 panels probed answered."), "{}", servers.finding);
    assert!(panel.most_in_flight() <= PANEL_FAN_OUT, "at most {PANEL_FAN_OUT} at once: {}", panel.most_in_flight());

    // One panel down, one too slow to answer within the probe's limit: both named, degraded.
    panel.set_reachable(&shops[3].server.id, false);
    let slow = Arc::new(shared::adapters::memory::MemoryPanel::new());
    slow.set_latency(Duration::from_millis(1_500));
    let unanswered = health::check(&app.ctx, &every).await;
    let servers = check_named(&unanswered, "servers");
    assert_eq!((servers.status, servers.figures["panels_unanswered"]), (HealthStatus::Degraded, 1));
    assert_eq!(servers.finding, format!("1 of 20 panels probed did not answer: {}.", shops[3].server.name));
    assert!(unanswered.findings.iter().any(|f| f.condition == "check:servers"), "{unanswered:?}");
    let mut slow_ctx = app.ctx.clone();
    slow_ctx.panel = slow;
    let late = health::check(&slow_ctx, &every).await;
    let servers = check_named(&late, "servers");
    assert_eq!(servers.figures["panels_unanswered"], 20, "{servers:?}");
    assert!(servers.latency_ms < 3_000.0, "one round within the check's deadline: {servers:?}");

    // Four a run: each run the next four, all twenty in five runs; the dead panel, once found, is probed again
    // every run (its finding lasts while it is dead), until it answers.
    let four = HealthThresholds { panel_probes: 4, ..HealthThresholds::default() };
    let mut unanswered = Vec::new();
    for _ in 0..5 {
        let report = health::check(&app.ctx, &four).await;
        unanswered.push(check_named(&report, "servers").figures["panels_unanswered"]);
        app.clock.advance(chrono::Duration::minutes(5));
    }
    let found = unanswered.iter().position(|n| *n == 1).expect("found in its slice");
    assert!(unanswered[found..].iter().all(|n| *n == 1), "{unanswered:?}");
    panel.set_reachable(&shops[3].server.id, true);
    let back = health::check(&app.ctx, &four).await;
    assert_eq!(check_named(&back, "servers").figures["panels_unanswered"], 0);
}

async fn the_servers_check_counts_servers_up_and_in_the_critical_band_and_none_up_is_critical(app: TestApp) {
    use integration_tests::fixtures::shop;
    use shared::domain::{CapacityBand, ServerStatus};
    let thresholds = HealthThresholds::default();
    let empty = health::check(&app.ctx, &thresholds).await;
    let servers = check_named(&empty, "servers");
    assert_eq!((servers.status, servers.figures["total"]), (HealthStatus::Healthy, 0), "no servers is not an outage");

    let mut shops = Vec::new();
    for _ in 0..4 {
        shops.push(shop(&app.ctx, 10, "5.00").await);
    }
    let report = health::check(&app.ctx, &thresholds).await;
    let servers = check_named(&report, "servers");
    assert_eq!((servers.status, servers.figures["up"], servers.figures["total"]), (HealthStatus::Healthy, 4, 4));
    assert!(servers.latency_ms >= 0.0);

    // One of four down leaves three up: the original's threshold, still healthy; two down is degraded.
    let catalog = &app.ctx.stores.catalog;
    catalog.set_status(&shops[0].server.id, ServerStatus::Up, ServerStatus::Down).await.unwrap();
    let at_threshold = health::check(&app.ctx, &thresholds).await;
    assert_eq!(check_named(&at_threshold, "servers").status, HealthStatus::Healthy, "{at_threshold:?}");
    catalog.set_status(&shops[1].server.id, ServerStatus::Up, ServerStatus::Paused).await.unwrap();
    let past = health::check(&app.ctx, &thresholds).await;
    let servers = check_named(&past, "servers");
    assert_eq!(servers.status, HealthStatus::Degraded);
    assert_eq!(servers.finding, "Only 2 of 4 servers are up.");
    assert_eq!(past.status, HealthStatus::Degraded);
    assert!(past.findings.iter().any(|f| f.message == servers.finding), "{past:?}");

    // A server in the critical band.
    catalog.set_status(&shops[1].server.id, ServerStatus::Paused, ServerStatus::Up).await.unwrap();
    let now = shared::clock::Clock::now(&*app.clock);
    app.ctx.stores.inventory.move_band(&shops[2].server.id, None, CapacityBand::Critical, now).await.unwrap();
    let crowded = health::check(&app.ctx, &thresholds).await;
    let servers = check_named(&crowded, "servers");
    assert_eq!((servers.status, servers.figures["critical_band"]), (HealthStatus::Degraded, 1));
    assert_eq!(servers.finding, "1 of 4 servers are in the critical capacity band.");

    // None up: critical, as the original said.
    for s in &shops[1..] {
        catalog.set_status(&s.server.id, ServerStatus::Up, ServerStatus::Down).await.unwrap();
    }
    let outage = health::check(&app.ctx, &thresholds).await;
    let servers = check_named(&outage, "servers");
    assert_eq!(
        (servers.status, servers.finding.as_str()),
        (
            HealthStatus::Critical,
            "No active servers: nothing can be sold. 1 of 4 servers are in the critical capacity band."
        ),
        "every problem is said, the worst first"
    );
    assert_eq!(outage.status, HealthStatus::Critical);
}

async fn the_application_check_finds_orders_stuck_before_provisioning(app: TestApp) {
    use integration_tests::fixtures::{customer, order_of, shop_at_list_prices};
    let thresholds = HealthThresholds::default();
    let shop = shop_at_list_prices(&app.ctx, 10, "5.00").await;
    let buyer = customer(&app.ctx, "100").await;
    shared::services::orders::place(&app.ctx, &buyer, order_of(&shop.plan, 1, 1), None).await.unwrap();

    // Paid and waiting for provisioning: fine under 10 minutes, stuck from then on.
    let fresh = health::check(&app.ctx, &thresholds).await;
    let orders = check_named(&fresh, "application");
    assert_eq!((orders.status, orders.figures["stuck_new"]), (HealthStatus::Healthy, 0), "{orders:?}");
    app.clock.advance(chrono::Duration::minutes(9));
    assert_eq!(check_named(&health::check(&app.ctx, &thresholds).await, "application").figures["stuck_new"], 0);
    app.clock.advance(chrono::Duration::minutes(1));
    let stuck = health::check(&app.ctx, &thresholds).await;
    let orders = check_named(&stuck, "application");
    assert_eq!((orders.status, orders.figures["stuck_new"]), (HealthStatus::Degraded, 1));
    assert_eq!(orders.finding, "1 paid orders have waited in new for 10 minutes or more.");
    assert_eq!(stuck.status, HealthStatus::Degraded);

    // Past the lookback it is a dispute's business (the inventory check disputes it), not this check's.
    app.clock.advance(chrono::Duration::hours(25));
    let old = health::check(&app.ctx, &thresholds).await;
    assert_eq!(check_named(&old, "application").figures["stuck_new"], 0);
}

async fn the_cache_check_judges_each_store_s_hit_rate_and_redis_s_memory(app: TestApp) {
    use shared::ports::CacheServerInfo;
    use shared::services::cache::stats::{Metric, counter_key};
    use shared::services::monitoring::checks;
    let thresholds = HealthThresholds::default();
    let now = shared::clock::Clock::now(&*app.clock);
    let count = |store: StoreName, metric: Metric, value: u64| {
        let ctx = &app.ctx;
        async move { ctx.cache.set(&counter_key(store, metric, now), &value.to_string(), None).await.unwrap() }
    };
    let quiet = checks::cache(&app.ctx, &thresholds, None, now).await;
    assert_eq!(
        (quiet.status, quiet.finding.as_str()),
        (HealthStatus::Healthy, "The cache serves its reads and has room.")
    );

    // 100 reads of the default store, 69 served from a tier: below the original's 70 %.
    count(StoreName::Default, Metric::L1Hits, 40).await;
    count(StoreName::Default, Metric::L2Hits, 29).await;
    count(StoreName::Default, Metric::L2Misses, 30).await;
    count(StoreName::Default, Metric::L2Errors, 1).await;
    // Few reads of the sessions store: no rate worth judging, however low.
    count(StoreName::Sessions, Metric::L2Misses, 99).await;
    let low = checks::cache(&app.ctx, &thresholds, None, now).await;
    assert_eq!(
        (low.status, low.figures["default_reads"], low.figures["default_hit_rate_percent"]),
        (HealthStatus::Degraded, 100, 69)
    );
    assert_eq!(low.finding, "The default store served 69% of 100 reads from the cache in the last hour (below 70%).");
    assert_eq!(low.figures["sessions_hit_rate_percent"], 0);
    count(StoreName::Default, Metric::L2Hits, 30).await;
    count(StoreName::Default, Metric::L2Misses, 29).await;
    let at = checks::cache(&app.ctx, &thresholds, None, now).await;
    assert_eq!((at.status, at.figures["default_hit_rate_percent"]), (HealthStatus::Healthy, 70), "{at:?}");

    // Redis's memory against its limit: 80 % is fine, above is degraded, above 95 % critical; no limit, no judgement.
    let server = |used: u64, limit: u64| CacheServerInfo {
        version: "redis 7.2.4".into(),
        mode: "standalone".into(),
        used_memory_bytes: Some(used),
        maxmemory_bytes: Some(limit),
        evicted_keys: Some(3),
        ..CacheServerInfo::default()
    };
    for (used, status) in [
        (800, HealthStatus::Healthy),
        (810, HealthStatus::Degraded),
        (960, HealthStatus::Critical),
        (5_000, HealthStatus::Healthy),
    ] {
        let limit = if used == 5_000 { 0 } else { 1_000 };
        let check = checks::cache(&app.ctx, &thresholds, Some(&server(used, limit)), now).await;
        assert_eq!(check.status, status, "{used} of {limit}: {check:?}");
        assert_eq!((check.figures["memory_used_bytes"], check.figures["evicted_keys"]), (used, 3));
        if status != HealthStatus::Healthy {
            assert_eq!(check.finding, format!("Redis uses {}% of its memory limit.", used / 10));
        }
    }

    // The real server's report, through the health check: its figures are there.
    let report = health::check(&app.ctx, &thresholds).await;
    assert!(check_named(&report, "cache").figures.contains_key("default_reads"), "{report:?}");
}

async fn the_storage_check_reports_the_table_the_dead_letters_and_a_function_s_tmp(app: TestApp) {
    use shared::services::monitoring::checks;
    integration_tests::fixtures::shop(&app.ctx, 10, "5.00").await;
    let thresholds = HealthThresholds::default();
    let plain = checks::storage(&app.ctx, &thresholds, 7, None).await;
    assert_eq!((plain.status, plain.figures["dead_letters"]), (HealthStatus::Healthy, 7), "{plain:?}");
    assert!(!plain.figures.contains_key("tmp_bytes"), "outside Lambda, /tmp is not this function's");
    if app.backend == Backend::Memory {
        // The in-memory twin counts exactly (DynamoDB's figures lag by hours).
        assert!(plain.figures["table_items"] >= 2 && plain.figures["table_bytes"] > 0, "{plain:?}");
    }

    // A function's /tmp: 900 of 1000 bytes is past 80 %.
    let dir = std::env::temp_dir().join(format!("storage-check-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(dir.join("nested")).unwrap();
    std::fs::write(dir.join("a"), vec![0u8; 500]).unwrap();
    std::fs::write(dir.join("nested").join("b"), vec![0u8; 300]).unwrap();
    let small = HealthThresholds { tmp_limit_bytes: 1000, ..HealthThresholds::default() };
    let at = checks::storage(&app.ctx, &small, 0, Some(&dir)).await;
    assert_eq!((at.status, at.figures["tmp_bytes"], at.figures["tmp_used_percent"]), (HealthStatus::Healthy, 800, 80));
    std::fs::write(dir.join("nested").join("c"), vec![0u8; 100]).unwrap();
    let full = checks::storage(&app.ctx, &small, 0, Some(&dir)).await;
    assert_eq!((full.status, full.finding.as_str()), (HealthStatus::Degraded, "/tmp is 90% full."));
    std::fs::remove_dir_all(&dir).unwrap();

    // A table past its size budget (here: any size) is a cost to look at.
    if app.backend == Backend::Memory {
        let tiny = HealthThresholds { table_size_warning_bytes: 0, ..HealthThresholds::default() };
        let big = checks::storage(&app.ctx, &tiny, 0, None).await;
        assert_eq!(big.status, HealthStatus::Degraded);
        assert!(big.finding.starts_with("The table holds ") && big.finding.ends_with(" KB."), "{big:?}");
    }
}

async fn the_application_check_judges_each_function_s_server_errors_and_p95_from_its_requests(app: TestApp) {
    use integration_tests::api::{Call, Caller};
    use shared::services::monitoring::checks;
    use shared::services::request_metrics::{RequestSample, read, write};
    let thresholds = HealthThresholds::default();
    let now = shared::clock::Clock::now(&*app.clock);
    // Requests through the edge are counted: a success, a 404 and a 422, once the instance writes its batch.
    let admin = Caller::Admin("ops".into());
    assert_eq!(Call::to(&shared::routes::SYSTEM_ALERTS, &[]).by(&admin).send(&app).await.status, 200);
    assert_eq!(Call::to(&shared::routes::SYSTEM_ALERTS, &[]).by(&admin).query("status=x").send(&app).await.status, 422);
    assert_eq!(Call::to(&shared::routes::SYSTEM_ALERT_ACK, &["none"]).by(&admin).send(&app).await.status, 404);
    app.ctx.flush_request_metrics().await;
    let counted = read(&*app.ctx.cache, &["system-alerts", "system-alert-ack"], 1, now).await.unwrap();
    assert_eq!((counted[0].requests, counted[0].client_errors, counted[0].server_errors), (2, 1, 0));
    assert_eq!((counted[1].requests, counted[1].client_errors), (1, 1));
    assert!(counted[0].p95_ms.is_some());
    let quiet = checks::application(&app.ctx, &thresholds, now).await;
    assert_eq!(quiet.status, HealthStatus::Healthy, "too few requests to judge: {quiet:?}");
    assert_eq!(quiet.figures["requests_5_min"], 3);

    // orders-list: 40 requests in the window, 4 server errors (10 %) and 3 taking 2 s (p95 up to 2.5 s).
    let sample = |status: u16, millis: u64, minutes_ago: i64| RequestSample {
        function: "orders-list",
        status,
        latency: Duration::from_millis(millis),
        at: now - chrono::Duration::minutes(minutes_ago),
        store_throttled: 0,
        customer: None,
    };
    let mut batch: Vec<RequestSample> = (0..33).map(|n| sample(200, 20, n % 5)).collect();
    batch.extend((0..4).map(|_| sample(500, 30, 1)));
    batch.extend((0..3).map(|_| sample(200, 2_000, 2)));
    // Older than the window: not judged.
    batch.extend((0..40).map(|_| sample(500, 30, 7)));
    // wallet-get: all failing, but only 10 requests.
    batch.extend((0..10).map(|_| RequestSample { function: "wallet-get", ..sample(503, 10, 0) }));
    write(&*app.ctx.cache, &batch).await;
    let judged = checks::application(&app.ctx, &thresholds, now).await;
    assert_eq!(judged.status, HealthStatus::Degraded, "{judged:?}");
    assert_eq!(
        judged.finding,
        "orders-list answered 10 % of its 40 requests with a server error; orders-list's p95 latency is up to 2500 ms."
    );
    assert_eq!((judged.figures["server_errors_5_min"], judged.figures["slowest_p95_ms"]), (14, 2500));

    // A quarter and more failing: critical.
    write(&*app.ctx.cache, &(0..20).map(|_| sample(500, 30, 0)).collect::<Vec<_>>()).await;
    let failing = checks::application(&app.ctx, &thresholds, now).await;
    assert_eq!(failing.status, HealthStatus::Critical, "{failing:?}");
}
