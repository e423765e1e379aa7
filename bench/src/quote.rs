//! `quote`: what one `POST /api/pricing/quote` costs and how many the code path sustains. A 10-line cart (10
//! plans on 3 servers, a coupon, a funded customer with a profile, 30 days of sales counters) is quoted through
//! the real handler (rate limit, validation, the two batched cart reads, the rules and demand from the instance
//! cache or the store, the engine), on the in-memory backend and on the local emulators (moto for DynamoDB and
//! SQS, Redis), with every backend call counted by wrapping the ports. The pure engine
//! (`shared::pricing::quote`) is timed on its own. Writes a markdown report (BENCHMARKS.md).

use bench::counting::{Snapshot, counted_app};
use chrono::Duration as Span;
use clap::Parser;
use integration_tests::api::{Call, Caller};
use integration_tests::fixtures::{customer, dec};
use integration_tests::{Backend, TestApp};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use shared::app::AppContext;
use shared::domain::{
    Coupon, CustomerId, DiscountKind, OrderFact, OrderFactLine, OrderId, Plan, PlanId, Server, ServerId, ServerStatus,
};
use shared::pricing::{Buyer, CartLine, CouponUse, PlanMarket, PricingRules, QuoteInput};
use shared::routes;
use shared::services::pricing::{DEMAND_TTL, QuoteRequest, RULES_TTL};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[derive(Parser, Debug)]
#[command(name = "quote", about = "Backend round trips and throughput of pricing quotes, and the pure engine")]
struct Args {
    /// Quotes sent on the in-memory backend (per concurrency level).
    #[arg(long, default_value_t = 5000)]
    memory_quotes: usize,
    /// Quotes sent against the emulators (per concurrency level).
    #[arg(long, default_value_t = 500)]
    emulator_quotes: usize,
    /// Concurrency levels (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "1,16")]
    concurrency: Vec<usize>,
    /// Fresh instances (an empty pricing cache each) whose first and second quote are counted and timed.
    #[arg(long, default_value_t = 10)]
    instances: usize,
    /// Quotes computed by the pure engine (after a tenth as many discarded).
    #[arg(long, default_value_t = 20000)]
    engine_quotes: usize,
    /// Markdown file to write the report to (default: stdout only).
    #[arg(long)]
    output: Option<PathBuf>,
}

/// Quotes per customer: the `api` rate limit (60 a minute) would refuse a 61st in the same minute (the bench's
/// clock does not move during a run).
const QUOTES_PER_CUSTOMER: usize = 60;
const PLANS: usize = 10;
/// One month: with a new customer's 15 % and the bulk tier, the 10 % coupon still fits under the 30 % cap on
/// the total discount (three months would add 10 % and leave the coupon no room: a 422).
const MONTHS: u32 = 1;
const COUPON: &str = "BENCH10";

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let mut report = String::from("## Pricing quotes\n\n");
    let _ = writeln!(
        report,
        "Each quote is one `POST /api/pricing/quote` through the handler: rate limit, validation, the cart reads, \
         rules and demand (instance cache or store), the engine. Cart: {PLANS} lines (10 plans on 3 servers, 19 \
         clients), {MONTHS} months, a 10 % coupon; a funded customer with a profile; 30 days of sales counters per \
         plan. `cargo run --release -p bench --bin quote`.\n"
    );
    let _ = writeln!(report, "### Backend calls per quote\n");
    let _ = writeln!(
        report,
        "A fresh instance (empty pricing cache) per measurement; its first quote is cold, its second warm (same \
         clock, within both TTLs). Counts were the same on every instance; latency: median over the instances \
         (single calls for the TTL rows).\n"
    );
    let _ = writeln!(
        report,
        "| backend | quote | GetItem | BatchGetItem | Query | store writes | cache calls | queue sends | latency |"
    );
    let _ = writeln!(report, "|---|---|---|---|---|---|---|---|---|");
    let mut throughput = String::from(
        "\n### Throughput (warm instance)\n\nOne discarded warm-up quote fills the pricing cache first; every \
         reply was checked to be a 200.\n\n| backend | concurrency | quotes | wall time | quotes/s | p50 | p95 | \
         store reads per quote | cache calls per quote | store writes + queue sends |\n|---|---|---|---|---|---|---|---|---|---|\n",
    );
    let mut warnings = Vec::new();
    for backend in [Backend::Memory, Backend::Aws] {
        let quotes = if backend == Backend::Memory { args.memory_quotes } else { args.emulator_quotes };
        let name = if backend == Backend::Memory { "in-memory" } else { "emulators (moto + Redis)" };
        for row in calls_per_quote(backend, args.instances).await {
            if row.calls.writes() + row.calls.transactions + row.calls.queue_sends > 0 {
                warnings.push(format!("{name}, {}: the quote path wrote ({:?})", row.what, row.calls));
            }
            let _ = writeln!(
                report,
                "| {name} | {} | {} | {} | {} | {} | {} | {} | {:.2} ms |",
                row.what,
                row.calls.gets,
                row.calls.batch_gets,
                row.calls.queries,
                row.calls.writes() + row.calls.transactions,
                row.calls.cache,
                row.calls.queue_sends,
                row.latency_ms
            );
            eprintln!(
                "[quote] {name}, {}: reads {}, {:?}, {:.2} ms",
                row.what,
                row.calls.reads(),
                row.calls,
                row.latency_ms
            );
        }
        for &concurrency in &args.concurrency {
            let run = quote_many(backend, quotes, concurrency).await;
            let per = |n: u64| n as f64 / quotes as f64;
            let writes = run.calls.writes() + run.calls.transactions + run.calls.queue_sends;
            if writes > 0 {
                warnings.push(format!("{name}, concurrency {concurrency}: {writes} writes during the run"));
            }
            let _ = writeln!(
                throughput,
                "| {name} | {concurrency} | {quotes} | {:.2} s | {:.0} | {:.2} ms | {:.2} ms | {:.2} | {:.2} | {writes} |",
                run.wall.as_secs_f64(),
                quotes as f64 / run.wall.as_secs_f64(),
                percentile(&run.latencies, 0.50),
                percentile(&run.latencies, 0.95),
                per(run.calls.gets + run.calls.batch_gets + run.calls.queries),
                per(run.calls.cache),
            );
            eprintln!("[quote] {name}, concurrency {concurrency}: {quotes} quotes in {:.2?}", run.wall);
        }
    }
    report.push_str(&throughput);
    let (engine, service, reply_bytes) = engine_run(args.engine_quotes).await;
    let _ = writeln!(
        report,
        "\n### Pure engine\n\n`shared::pricing::quote` on the same cart, prepared (the rules, plans, servers, demand, \
         buyer and coupon the handler loaded; its quote was checked equal to the handler's), one thread. For \
         comparison, the service behind the handler (`services::pricing::quote_for`: the two batched reads and the \
         engine) on the warm in-memory instance, without the API Gateway event, rate limit and JSON.\n\n\
         | what | calls | wall time | calls/s | mean | p50 | p95 |\n|---|---|---|---|---|---|---|"
    );
    for (what, run) in [("engine `quote`", &engine), ("service `quote_for` (in-memory, warm)", &service)] {
        let _ = writeln!(
            report,
            "| {what} | {} | {:.2} s | {:.0} | {:.1} µs | {:.1} µs | {:.1} µs |",
            args.engine_quotes,
            run.wall.as_secs_f64(),
            args.engine_quotes as f64 / run.wall.as_secs_f64(),
            run.wall.as_secs_f64() * 1e6 / args.engine_quotes as f64,
            percentile(&run.latencies, 0.50) * 1000.0,
            percentile(&run.latencies, 0.95) * 1000.0,
        );
    }
    let _ = writeln!(report, "\nThe handler's answer for this cart is {reply_bytes} bytes of JSON.");
    let _ = writeln!(report, "\nLoad average (1, 5, 15 min) at the end: {}.", bench::load_average());
    for warning in &warnings {
        let _ = writeln!(report, "\n**Warning:** {warning}");
        eprintln!("[quote] WARNING: {warning}");
    }
    println!("{report}");
    if let Some(path) = args.output {
        std::fs::write(&path, &report).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }
}

/// Another function instance over the same ports and clock: its pricing cache and its cache tier are empty.
fn fresh_instance(app: &TestApp) -> TestApp {
    TestApp {
        backend: app.backend,
        clock: app.clock.clone(),
        ctx: app.another_instance(),
        table: app.table.clone(),
        tagged: app.tagged.clone(),
        connections: app.connections.clone(),
    }
}

/// What the cart is made of.
struct Catalog {
    servers: Vec<Server>,
    plans: Vec<Plan>,
    coupon: Coupon,
}

impl Catalog {
    fn quantity(i: usize) -> u32 {
        1 + (i % 3) as u32
    }

    fn quote_body(&self) -> Value {
        let items: Vec<Value> = self
            .plans
            .iter()
            .enumerate()
            .map(|(i, p)| json!({"plan_id": p.id, "quantity": Self::quantity(i)}))
            .collect();
        json!({"items": items, "duration": MONTHS, "coupon_code": COUPON})
    }
}

/// Published rules (the defaults, as version 1), 3 servers in 3 countries at different utilisation, 10 plans
/// on them, a coupon, and 30 days of sales counters for every plan (recorded as the analytics worker does).
async fn seed(ctx: &AppContext) -> Catalog {
    shared::services::pricing::admin::publish(ctx, "bench", PricingRules::default(), Some("bench".into()), None)
        .await
        .expect("publish rules");
    let now = ctx.clock.now();
    let places =
        [("fra-1", "Frankfurt", "DE", 100), ("ams-1", "Amsterdam", "NL", 500), ("nyc-1", "New York", "US", 750)];
    let mut servers = Vec::new();
    for (name, location, country, active) in places {
        let server = Server {
            id: ServerId::generate(),
            name: name.into(),
            location: location.into(),
            country: country.into(),
            status: ServerStatus::Up,
            max_clients: 1000,
            active_clients: active,
            held_clients: 0,
            free_slots: 1000 - active,
            panel_host: "127.0.0.1".into(),
            panel_port: 2053,
            created_at: now,
        };
        ctx.stores.catalog.create_server(&server).await.expect("server");
        servers.push(server);
    }
    let mut plans = Vec::new();
    for i in 0..PLANS {
        let plan = Plan {
            id: PlanId::generate(),
            server_id: servers[i % servers.len()].id.clone(),
            name: format!("Plan {i}"),
            price: dec("2.50") + Decimal::from(i as u32),
            days: 30,
            protocol: "vless".into(),
            plan_type: if i % 2 == 0 { "datacenter" } else { "residential" }.into(),
            data_limit_gb: Some(100),
            is_active: true,
            is_popular: i == 0,
            inbound_id: 1,
            created_at: now,
        };
        ctx.stores.catalog.create_plan(&plan).await.expect("plan");
        plans.push(plan);
    }
    let coupon = Coupon { single_use_per_customer: true, ..Coupon::new(COUPON, DiscountKind::Percent, dec("10")) };
    ctx.stores.coupons.create(&coupon).await.expect("coupon");
    // Plan i sells every (i % 4 + 1)-th day, and the even plans also every day of the last week.
    let buyer = CustomerId::generate();
    for days_ago in 0..30i64 {
        let lines: Vec<OrderFactLine> = plans
            .iter()
            .enumerate()
            .filter(|(i, _)| days_ago % (*i as i64 % 4 + 1) == 0 || (i % 2 == 0 && days_ago < 7))
            .map(|(_, p)| OrderFactLine {
                plan_id: p.id.clone(),
                server_id: p.server_id.clone(),
                quantity: 1,
                total_amount: p.price,
            })
            .collect();
        let fact = OrderFact {
            order_id: OrderId::generate(),
            customer_id: buyer.clone(),
            placed_at: now - Span::days(days_ago),
            grand_amount: lines.iter().map(|l| l.total_amount).sum(),
            currency: "USD".into(),
            lines,
            payment_method: shared::domain::PaymentMethod::Wallet,
            duration_months: 1,
            ends_at: None,
            cancelled_at: None,
        };
        assert!(ctx.stores.stats.record_order(&fact).await.expect("sales counters"));
    }
    Catalog { servers, plans, coupon }
}

async fn send_quote(app: &TestApp, caller: &Caller, body: &Value) -> Value {
    let reply = Call::to(&routes::PRICING_QUOTE, &[]).by(caller).json(body.clone()).send(app).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

struct Row {
    what: String,
    calls: Snapshot,
    latency_ms: f64,
}

/// The calls and latency of a cold quote (first of a fresh instance) and a warm one (its second), over
/// `instances` fresh instances; then, on the last, a quote after the rules' TTL and one after the demand's.
async fn calls_per_quote(backend: Backend, instances: usize) -> Vec<Row> {
    let (app, counts) = counted_app(backend).await;
    let catalog = seed(&app.ctx).await;
    let body = catalog.quote_body();
    let mut cold: Vec<(Snapshot, f64)> = Vec::new();
    let mut warm: Vec<(Snapshot, f64)> = Vec::new();
    let mut last = None;
    for _ in 0..instances.max(1) {
        let instance = fresh_instance(&app);
        let caller = Caller::customer(&customer(&instance.ctx, "1000").await);
        for sample in [&mut cold, &mut warm] {
            let before = counts.snapshot();
            let at = Instant::now();
            send_quote(&instance, &caller, &body).await;
            let latency = at.elapsed().as_secs_f64() * 1000.0;
            sample.push((counts.snapshot().since(&before), latency));
        }
        last = Some((instance, caller));
    }
    let (instance, caller) = last.expect("an instance");
    let mut rows = Vec::new();
    for (what, samples) in [("cold (first of an instance)", &cold), ("warm (second)", &warm)] {
        let calls = samples[0].0;
        assert!(
            samples.iter().all(|(s, _)| *s == calls),
            "{what}: the counts differ between instances: {:?}",
            samples.iter().map(|(s, _)| s).collect::<Vec<_>>()
        );
        let mut latencies: Vec<f64> = samples.iter().map(|(_, l)| *l).collect();
        latencies.sort_by(f64::total_cmp);
        rows.push(Row { what: what.to_owned(), calls, latency_ms: percentile(&latencies, 0.5) });
    }
    let steps = [
        (RULES_TTL + Span::seconds(1), format!("rules TTL ({} s) passed", RULES_TTL.num_seconds())),
        (DEMAND_TTL, format!("demand TTL ({} min) passed too", DEMAND_TTL.num_minutes())),
    ];
    for (by, what) in steps {
        instance.clock.advance(by);
        let before = counts.snapshot();
        let at = Instant::now();
        send_quote(&instance, &caller, &body).await;
        let latency_ms = at.elapsed().as_secs_f64() * 1000.0;
        rows.push(Row { what, calls: counts.snapshot().since(&before), latency_ms });
    }
    rows
}

struct Run {
    wall: Duration,
    /// Milliseconds per quote.
    latencies: Vec<f64>,
    /// The backend calls of the whole run.
    calls: Snapshot,
}

/// Sends `quotes` quotes, `concurrency` at a time, from enough customers to stay under the rate limit, on a
/// warm instance. Each of the `concurrency` workers is its own task on the multi-threaded runtime: on the
/// in-memory backend no call ever waits, so workers joined on one task would run one after the other.
async fn quote_many(backend: Backend, quotes: usize, concurrency: usize) -> Run {
    let (app, counts) = counted_app(backend).await;
    let catalog = seed(&app.ctx).await;
    let body = Arc::new(catalog.quote_body());
    let warm_up = Caller::customer(&customer(&app.ctx, "1000").await);
    send_quote(&app, &warm_up, &body).await;
    let mut callers = Vec::new();
    for _ in 0..quotes.div_ceil(QUOTES_PER_CUSTOMER) {
        callers.push(Caller::customer(&customer(&app.ctx, "1000").await));
    }
    let (app, callers) = (Arc::new(app), Arc::new(callers));
    let next = Arc::new(AtomicUsize::new(0));
    let before = counts.snapshot();
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (app, callers, body, next) = (app.clone(), callers.clone(), body.clone(), next.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= quotes {
                        return latencies;
                    }
                    let call = Call::to(&routes::PRICING_QUOTE, &[])
                        .by(&callers[n / QUOTES_PER_CUSTOMER])
                        .json((*body).clone());
                    let at = Instant::now();
                    let reply = call.send(&app).await;
                    latencies.push(at.elapsed().as_secs_f64() * 1000.0);
                    assert_eq!(reply.status, 200, "quote {n}: {}", reply.body);
                }
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(quotes);
    for worker in workers {
        latencies.extend(worker.await.expect("a worker"));
    }
    let wall = started.elapsed();
    let calls = counts.snapshot().since(&before);
    assert_eq!(latencies.len(), quotes, "every quote answered");
    latencies.sort_by(f64::total_cmp);
    Run { wall, latencies, calls }
}

/// Times the pure engine on the cart's inputs as the handler loads them (in memory), after checking that it
/// gives the handler's quote; then the service `quote_for` on the same (warm) in-memory instance.
async fn engine_run(quotes: usize) -> (Run, Run, usize) {
    let app = TestApp::new(Backend::Memory).await;
    let ctx = &app.ctx;
    let catalog = seed(ctx).await;
    let id = customer(ctx, "1000").await;
    let reply = send_quote(&app, &Caller::customer(&id), &catalog.quote_body()).await;

    let now = ctx.clock.now();
    let rules = ctx.stores.pricing.active().await.expect("rules");
    let profile = ctx.stores.customers.get(&id).await.expect("customer").expect("a profile");
    let mut demand = Vec::new();
    for plan in &catalog.plans {
        demand.push(ctx.stores.stats.demand(&plan.id, now.date_naive()).await.expect("demand"));
    }
    let lines = catalog
        .plans
        .iter()
        .zip(demand)
        .enumerate()
        .map(|(i, (plan, demand))| CartLine {
            market: PlanMarket { plan, server: catalog.servers.iter().find(|s| s.id == plan.server_id), demand },
            quantity: Catalog::quantity(i),
        })
        .collect();
    let input = QuoteInput {
        rules: &rules.rules,
        rules_version: rules.version,
        buyer: Buyer {
            total_paid: profile.total_paid,
            created_at: profile.created_at,
            country: profile.country.as_deref(),
        },
        lines,
        months: MONTHS,
        coupon: Some(CouponUse { coupon: &catalog.coupon, used_by_customer: false }),
        now,
    };
    let quote = shared::pricing::quote(&input).expect("a quote");
    assert_eq!(
        serde_json::to_value(&quote).expect("json"),
        reply["data"]["quote"],
        "the prepared input gives the handler's quote"
    );
    assert_eq!(quote.lines.len(), PLANS);

    let engine = time_each(quotes, || async {
        std::hint::black_box(shared::pricing::quote(std::hint::black_box(&input)).expect("a quote"));
    })
    .await;

    // The service behind the handler on the warm instance: the cart reads and the engine, without the
    // API Gateway event, the rate limit and the JSON in and out.
    let cart = QuoteRequest::parse(&catalog.quote_body().to_string())
        .and_then(QuoteRequest::into_valid)
        .expect("a valid cart");
    let service = time_each(quotes, || async {
        let view = shared::services::pricing::quote_for(ctx, &id, cart.clone()).await;
        std::hint::black_box(view.expect("a quote"));
    })
    .await;
    (engine, service, reply.to_string().len())
}

/// Runs `call` a tenth of `times` to warm up, then `times` times, timing each.
async fn time_each<F, Fut>(times: usize, call: F) -> Run
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for _ in 0..times / 10 {
        call().await;
    }
    let mut latencies = Vec::with_capacity(times);
    let started = Instant::now();
    for _ in 0..times {
        let at = Instant::now();
        call().await;
        latencies.push(at.elapsed().as_secs_f64() * 1000.0);
    }
    let wall = started.elapsed();
    latencies.sort_by(f64::total_cmp);
    Run { wall, latencies, calls: Snapshot::default() }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}
