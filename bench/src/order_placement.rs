//! `order-placement`: what one `POST /api/orders` costs and how many the code path sustains. Orders go through
//! the real handler (rate limits, validation, the two batched reads, the one transaction, the provisioning
//! job and the events), on the in-memory backend and on the local emulators (moto for DynamoDB and SQS, Redis),
//! with every backend call counted by wrapping the ports. Writes a markdown report (BENCHMARKS.md).

use bench::counting::{CallCounts, counted_app};
use clap::Parser;
use integration_tests::api::{Call, Caller};
use integration_tests::fixtures::{customer, shop};
use integration_tests::{Backend, TestApp};
use serde_json::json;
use shared::routes;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser, Debug)]
#[command(name = "order-placement", about = "Backend round trips and throughput of order placement")]
struct Args {
    /// Orders placed on the in-memory backend (per concurrency level).
    #[arg(long, default_value_t = 5000)]
    memory_orders: usize,
    /// Orders placed against the emulators (per concurrency level).
    #[arg(long, default_value_t = 200)]
    emulator_orders: usize,
    /// Concurrency levels (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "1,16")]
    concurrency: Vec<usize>,
    /// Markdown file to write the report to (default: stdout only).
    #[arg(long)]
    output: Option<PathBuf>,
}

/// Orders per customer: the `orders` rate limit (10 a minute) would refuse an 11th in the same minute.
const ORDERS_PER_CUSTOMER: usize = 10;

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let mut report = String::from("## Order placement\n\n");
    let _ = writeln!(
        report,
        "Each order is one `POST /api/orders` through the handler: rate limits, validation, reads, the \
         transaction, the provisioning job and the events. Single-line wallet order; `cargo run --release -p \
         bench --bin order-placement`.\n"
    );
    let _ = writeln!(report, "### Backend calls per order\n");
    let _ = writeln!(
        report,
        "| backend | store reads | store transactions | other store writes | cache calls | queue sends |"
    );
    let _ = writeln!(report, "|---|---|---|---|---|---|");
    let mut throughput = String::from(
        "\n### Throughput\n\n| backend | concurrency | orders | wall time | orders/s | p50 | p95 |\n|---|---|---|---|---|---|---|\n",
    );
    for backend in [Backend::Memory, Backend::Aws] {
        let orders = if backend == Backend::Memory { args.memory_orders } else { args.emulator_orders };
        let name = if backend == Backend::Memory { "in-memory" } else { "emulators (moto + Redis)" };
        let (app, counts) = counted_app(backend).await;
        let per_order = calls_per_order(&app, &counts).await;
        let _ = writeln!(
            report,
            "| {name} | {} | {} | {} | {} | {} |",
            per_order.reads(),
            per_order.transactions,
            per_order.writes(),
            per_order.cache,
            per_order.queue_sends
        );
        for &concurrency in &args.concurrency {
            let (app, _) = counted_app(backend).await;
            let run = place_many(app, orders, concurrency).await;
            let _ = writeln!(
                throughput,
                "| {name} | {concurrency} | {orders} | {:.2} s | {:.0} | {:.2} ms | {:.2} ms |",
                run.wall.as_secs_f64(),
                orders as f64 / run.wall.as_secs_f64(),
                percentile(&run.latencies, 0.50),
                percentile(&run.latencies, 0.95)
            );
            eprintln!("[order-placement] {name}, concurrency {concurrency}: {orders} orders in {:.2?}", run.wall);
        }
    }
    report.push_str(&throughput);
    println!("{report}");
    if let Some(path) = args.output {
        std::fs::write(&path, &report).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }
}

fn order_body(shop: &integration_tests::fixtures::Shop) -> serde_json::Value {
    json!({"server_id": shop.server.id, "plan_id": shop.plan.id, "quantity": 1, "payment_method": "wallet"})
}

/// The calls of one order, after a first one has warmed connections.
async fn calls_per_order(app: &TestApp, counts: &CallCounts) -> bench::counting::Snapshot {
    let shop = shop(&app.ctx, 100, "1.00").await;
    let caller = Caller::customer(&customer(&app.ctx, "100").await);
    let warm = Call::to(&routes::ORDERS_CREATE, &[]).by(&caller).json(order_body(&shop)).send(app).await;
    assert_eq!(warm.status, 201, "{}", warm.body);
    let before = counts.snapshot();
    let reply = Call::to(&routes::ORDERS_CREATE, &[]).by(&caller).json(order_body(&shop)).send(app).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    counts.snapshot().since(&before)
}

struct Run {
    wall: Duration,
    /// Milliseconds per order.
    latencies: Vec<f64>,
}

/// Places `orders` orders, `concurrency` at a time. Each worker is its own task on the multi-threaded runtime
/// (on the in-memory backend no call ever waits, so workers joined on one task would run one after the other)
/// with customers of its own, each ordering at most `ORDERS_PER_CUSTOMER` times one after the other: a
/// customer's concurrent orders may rightly be refused (409 `price_changed`) when one moves the other out of the
/// loyalty band it was priced for, which is not what this measures.
async fn place_many(app: TestApp, orders: usize, concurrency: usize) -> Run {
    let shop = shop(&app.ctx, orders as u32, "1.00").await;
    let share = |w: usize| orders / concurrency + usize::from(w < orders % concurrency);
    let mut callers_of = Vec::new();
    for w in 0..concurrency {
        let mut callers = Vec::new();
        for _ in 0..share(w).div_ceil(ORDERS_PER_CUSTOMER) {
            callers.push(Caller::customer(&customer(&app.ctx, "1000").await));
        }
        callers_of.push(callers);
    }
    let body = Arc::new(order_body(&shop));
    let app = Arc::new(app);
    let started = Instant::now();
    let workers: Vec<_> = callers_of
        .into_iter()
        .enumerate()
        .map(|(w, callers)| {
            let (app, body, count) = (app.clone(), body.clone(), share(w));
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(count);
                for n in 0..count {
                    let call = Call::to(&routes::ORDERS_CREATE, &[])
                        .by(&callers[n / ORDERS_PER_CUSTOMER])
                        .json((*body).clone());
                    let at = Instant::now();
                    let reply = call.send(&app).await;
                    latencies.push(at.elapsed().as_secs_f64() * 1000.0);
                    assert_eq!(reply.status, 201, "worker {w}, order {n}: {}", reply.body);
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(orders);
    for worker in workers {
        latencies.extend(worker.await.expect("a worker"));
    }
    let wall = started.elapsed();
    latencies.sort_by(f64::total_cmp);
    let free = app.ctx.stores.catalog.server(&shop.server.id).await.expect("server").expect("server").free_slots;
    assert_eq!(free, 0, "every order held exactly one slot");
    Run { wall, latencies }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}
