//! `cache-views`: what the cache of views saves (BENCHMARKS.md, "Cache").
//!
//! 1. For each cached view — the pricing, inventory and queue overviews, a customer's wallet and orders — its
//!    backend round trips and latency through its endpoint, on the emulators (moto + Redis): read cold (a miss
//!    in both tiers, loaded from the store and written to Redis), from Redis (a new instance), and from the
//!    instance's own tier.
//! 2. The hit rate of each store and tier over a simulated hour of traffic on four instances: customers reading
//!    their wallet and orders and placing orders, two dashboards polling the three admin overviews every five
//!    seconds (in memory, the clock moved by the second).
//! 3. The memory the instance tier takes at its bound: the default store filled past it, the process's
//!    resident memory before and after.

use bench::counting::{Snapshot, counted_app};
use bench::fleet::seed_fleet;
use clap::Parser;
use integration_tests::api::{Call, Caller};
use integration_tests::fixtures::customer;
use integration_tests::{Backend, TestApp};
use serde_json::json;
use shared::domain::CustomerId;
use shared::error::PortResult;
use shared::ports::{CacheServerInfo, TagCount, TaggedCache, TaggedRead};
use shared::routes::{self, FunctionSpec};
use shared::services::cache::stats::{self, Metric};
use shared::services::cache::{StoreName, View, tags};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Parser, Debug)]
#[command(name = "cache-views", about = "Round trips, latency and hit rates of the cached views")]
struct Args {
    /// Reads per view and tier against the emulators.
    #[arg(long, default_value_t = 20)]
    reads: usize,
    /// Servers in the shop (two plans each).
    #[arg(long, default_value_t = 50)]
    servers: usize,
    /// Simulated minutes of traffic for the hit rates.
    #[arg(long, default_value_t = 60)]
    minutes: u32,
    /// Markdown file to write the report to (default: stdout only).
    #[arg(long)]
    output: Option<PathBuf>,
}

struct ViewCase {
    name: &'static str,
    spec: &'static FunctionSpec,
    store: StoreName,
    tags: Vec<String>,
    caller: Caller,
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn round_trips(used: &Snapshot) -> String {
    format!("{} store, {} Redis, {} SQS", used.reads(), used.cache, used.queue_other)
}

async fn timed(app: &TestApp, case: &ViewCase, counts: &bench::counting::CallCounts) -> (Snapshot, f64) {
    let before = counts.snapshot();
    let started = Instant::now();
    let reply = Call::to(case.spec, &[]).by(&case.caller).send(app).await;
    let took = started.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(reply.status, 200, "{}: {}", case.name, reply.body);
    (counts.snapshot().since(&before), took)
}

/// Part 1: each view cold, from Redis and from the instance.
async fn tiers(args: &Args) -> String {
    let (app, counts) = counted_app(Backend::Aws).await;
    seed_fleet(&app, args.servers, 7).await;
    let buyer = customer(&app.ctx, "100").await;
    let admin = || Caller::Admin("bench".into());
    let cases = [
        ViewCase {
            name: "`GET /admin/pricing`",
            spec: &routes::PRICING_GET,
            store: StoreName::Default,
            tags: vec![tags::PRICING.into()],
            caller: admin(),
        },
        ViewCase {
            name: "`GET /admin/inventory`",
            spec: &routes::INVENTORY_GET,
            store: StoreName::Default,
            tags: vec![tags::INVENTORY.into()],
            caller: admin(),
        },
        ViewCase {
            name: "`GET /admin/system/queue`",
            spec: &routes::QUEUE_OVERVIEW,
            store: StoreName::Default,
            tags: vec![tags::QUEUES.into()],
            caller: admin(),
        },
        ViewCase {
            name: "`GET /api/wallet`",
            spec: &routes::WALLET_GET,
            store: StoreName::Sessions,
            tags: vec![tags::customer(&buyer)],
            caller: Caller::customer(&buyer),
        },
        ViewCase {
            name: "`GET /api/orders`",
            spec: &routes::ORDERS_LIST,
            store: StoreName::Sessions,
            tags: vec![tags::customer(&buyer)],
            caller: Caller::customer(&buyer),
        },
    ];
    let mut rows = String::new();
    for case in &cases {
        let (mut cold, mut shared_tier, mut own) = (Vec::new(), Vec::new(), Vec::new());
        let (mut cold_used, mut shared_used, mut own_used) = (Snapshot::default(), Snapshot::default(), None);
        for _ in 0..args.reads {
            // A minute between rounds, so a customer's reads stay within their rate limit (60 a minute).
            app.clock.advance(chrono::Duration::seconds(61));
            app.ctx.views.invalidate(case.store, &case.tags).await;
            let (used, took) = timed(&app, case, &counts).await;
            cold_used = used;
            cold.push(took);
            // A new instance: its own tier is empty, Redis has the view.
            let fresh = app.on_another_instance();
            let (used, took) = timed(&fresh, case, &counts).await;
            shared_used = used;
            shared_tier.push(took);
            if case.store.policy().l1_ttl.is_zero() {
                continue;
            }
            let (used, took) = timed(&fresh, case, &counts).await;
            own_used = Some(used);
            own.push(took);
        }
        let own_cell = match own_used {
            Some(used) => format!("{} in {:.3} ms", round_trips(&used), median(&mut own)),
            None => "— (no instance tier)".to_owned(),
        };
        let _ = writeln!(
            rows,
            "| {} | {} | {} in {:.2} ms | {} in {:.2} ms | {} |",
            case.name,
            case.store,
            round_trips(&cold_used),
            median(&mut cold),
            round_trips(&shared_used),
            median(&mut shared_tier),
            own_cell,
        );
    }
    let mut out = format!(
        "Against the emulators (moto + Redis on loopback), {} servers, medians of {} reads per cell; a cold read \
         is a miss in both tiers (the view's tag invalidated just before).\n\n",
        args.servers, args.reads
    );
    out.push_str("| view | store | cold (loaded) | from Redis | from the instance |\n|---|---|---|---|---|\n");
    out.push_str(&rows);
    out
}

/// Part 2: hit rates over simulated traffic.
async fn hit_rates(args: &Args) -> String {
    let app = TestApp::new(Backend::Memory).await;
    let fleet = seed_fleet(&app, args.servers, 7).await;
    let mut customers: Vec<CustomerId> = Vec::new();
    for _ in 0..200 {
        customers.push(customer(&app.ctx, "500").await);
    }
    let instances: Vec<TestApp> = (0..4).map(|_| app.on_another_instance()).collect();
    let admin = Caller::Admin("bench".into());
    let (mut requests, mut orders) = (0u64, 0u64);
    let mut random = fastrand::Rng::with_seed(7);
    for second in 0..args.minutes * 60 {
        for _ in 0..3 {
            let instance = &instances[random.usize(..instances.len())];
            let who = Caller::customer(&customers[random.usize(..customers.len())]);
            let spec = if random.bool() { &routes::WALLET_GET } else { &routes::ORDERS_LIST };
            assert_eq!(Call::to(spec, &[]).by(&who).send(instance).await.status, 200);
            requests += 1;
        }
        if second % 10 == 0 {
            let instance = &instances[random.usize(..instances.len())];
            let plan = &fleet.plans[random.usize(..fleet.plans.len())];
            let who = Caller::customer(&customers[random.usize(..customers.len())]);
            let body =
                json!({"server_id": plan.server_id, "plan_id": plan.id, "quantity": 1, "payment_method": "wallet"});
            let reply = Call::to(&routes::ORDERS_CREATE, &[]).by(&who).json(body).send(instance).await;
            assert!(reply.status < 500 && reply.status != 429, "{}: {}", reply.status, reply.body);
            orders += 1;
        }
        if second % 5 == 0 {
            for _dashboard in 0..2 {
                let instance = &instances[random.usize(..instances.len())];
                for spec in [&routes::PRICING_GET, &routes::INVENTORY_GET, &routes::QUEUE_OVERVIEW] {
                    assert_eq!(Call::to(spec, &[]).by(&admin).send(instance).await.status, 200);
                    requests += 1;
                }
            }
        }
        app.clock.advance(chrono::Duration::seconds(1));
    }
    for instance in &instances {
        instance.ctx.views.flush_stats().await;
    }
    let now = shared::clock::Clock::now(&*app.clock);
    let hours = args.minutes.div_ceil(60) + 1;
    let values = app.ctx.cache.get_many(&stats::window_keys(now, hours)).await.expect("counters");
    let mut out = format!(
        "In memory, {} simulated minutes on 4 instances: {requests} reads (customers: 3 a second, wallet or orders \
         of one of 200; two dashboards: the three admin overviews every 5 s) and {orders} orders placed (one every \
         10 s, each invalidating its customer's views and the capacity). {} servers.\n\n\
         | store | instance hits | instance misses | instance hit rate | Redis hits | Redis misses | Redis hit rate | \
         loads | reads served without the store |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
        args.minutes, args.servers
    );
    for (store, figures) in stats::figures(&values, hours) {
        let reads = figures.l1.hits + figures.l2.hits + figures.loads;
        if reads == 0 {
            continue;
        }
        let rate = |r: Option<f64>| r.map_or("—".to_owned(), |r| format!("{:.1} %", r * 100.0));
        let _ = writeln!(
            out,
            "| {store} | {} | {} | {} | {} | {} | {} | {} | {:.1} % |",
            figures.l1.hits,
            figures.l1.misses,
            rate(figures.l1.hit_rate),
            figures.l2.hits,
            figures.l2.misses,
            rate(figures.l2.hit_rate),
            figures.loads,
            (figures.l1.hits + figures.l2.hits) as f64 / reads as f64 * 100.0,
        );
    }
    out
}

fn resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:").map(|v| v.trim().trim_end_matches(" kB").trim().parse().ok()))
        })
        .flatten()
        .unwrap_or(0)
}

/// A shared tier that answers every call and keeps nothing: the values of part 3 live in the instance tier
/// only, so the resident memory the run adds is the tier's.
struct KeepsNothing;

#[async_trait::async_trait]
impl TaggedCache for KeepsNothing {
    async fn read(&self, _: &str, tags: &[String]) -> PortResult<TaggedRead> {
        Ok(TaggedRead { value: None, generations: vec![0; tags.len()] })
    }
    async fn generations(&self, tags: &[String]) -> PortResult<Vec<u64>> {
        Ok(vec![0; tags.len()])
    }
    async fn write(&self, _: &str, _: &str, _: Duration, _: &[String], _: &[u64]) -> PortResult<bool> {
        Ok(true)
    }
    async fn invalidate(&self, _: &[String]) -> PortResult<u64> {
        Ok(0)
    }
    async fn clear(&self) -> PortResult<u64> {
        Ok(0)
    }
    async fn tags(&self, _: usize) -> PortResult<Vec<TagCount>> {
        Ok(Vec::new())
    }
    async fn prune_tags(&self) -> PortResult<shared::ports::TagPrune> {
        Ok(shared::ports::TagPrune::default())
    }
    async fn key_count(&self) -> PortResult<u64> {
        Ok(0)
    }
    async fn server_info(&self) -> PortResult<CacheServerInfo> {
        Ok(CacheServerInfo::default())
    }
}

/// Part 3: the instance tier at its bound.
async fn memory_at_bound() -> String {
    let clock: std::sync::Arc<dyn shared::clock::Clock> = integration_tests::manual_clock();
    let nothing: std::sync::Arc<dyn TaggedCache> = std::sync::Arc::new(KeepsNothing);
    let counters = std::sync::Arc::new(shared::adapters::memory::MemoryCache::new(clock.clone()));
    let views = shared::app::AppContext::views(clock, StoreName::ALL.map(|s| (s, nothing.clone())).to_vec(), counters);
    let policy = StoreName::Default.policy();
    let value: String = "x".repeat(8 * 1024);
    let before = resident_kib();
    for i in 0..(policy.l1_max_entries * 3) {
        let view = View::server_data(format!("bench:{i}"));
        let loaded: Result<String, String> = views.get_or_load(&view, || async { Ok(value.clone()) }).await;
        loaded.expect("loaded");
    }
    let (entries, weighted) = views.instance_size(StoreName::Default).await;
    let after = resident_kib();
    let evictions = views.stats().pending(StoreName::Default, Metric::L1Evictions);
    format!(
        "The default store's instance tier, bound {} MiB and {} entries, after {} views of 8 KiB: {entries} entries, \
         {:.2} MiB weighed, {evictions} evicted; the process's resident memory grew by {:.2} MiB.\n",
        policy.l1_max_bytes >> 20,
        policy.l1_max_entries,
        policy.l1_max_entries * 3,
        weighted as f64 / (1 << 20) as f64,
        (after.saturating_sub(before)) as f64 / 1024.0,
    )
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    // First, while the heap is small: the resident memory it adds is the tier's, not reuse of freed memory.
    let at_bound = memory_at_bound().await;
    let mut report = String::new();
    let _ = writeln!(report, "### Cached views (measured {})\n", chrono::Utc::now().format("%Y-%m-%d"));
    report.push_str(&tiers(&args).await);
    let _ = writeln!(report, "\n### Hit rates over simulated traffic\n");
    report.push_str(&hit_rates(&args).await);
    let _ = writeln!(report, "\n### The instance tier at its bound\n");
    report.push_str(&at_bound);
    let _ = writeln!(report, "\nLoad average (1, 5, 15 min) at the end: {}", bench::load_average());
    print!("{report}");
    if let Some(path) = args.output {
        std::fs::write(&path, &report).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }
}
