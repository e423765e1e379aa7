//! `worker-throughput`: how many jobs one queue worker runs per second, and what each job costs in backend
//! calls, by job type. The jobs are the real ones checkout leaves behind — placing N orders through the
//! `POST /api/orders` handler queues N `order.provision` jobs on `high`, N `analytics.order_placed` facts on
//! `analytics` and two `event.publish` events per order (more from provisioning) on `notifications` — and one
//! worker drains each queue in batches of 10 (what the Lambda event source mapping delivers) through
//! `poll_once`: the worker code of the Lambda, plus the receive and the deletes Lambda would do. Every port is
//! wrapped in a counter; the panels are simulated in memory. Writes a markdown report (BENCHMARKS.md).

use bench::counting::counted_app;
use clap::Parser;
use integration_tests::api::{Call, Caller};
use integration_tests::fixtures::{customer, shop};
use integration_tests::{Backend, TestApp};
use serde_json::json;
use shared::domain::Priority;
use shared::ports::QueueRef;
use shared::routes;
use shared::worker::{JobRegistry, MessageOutcome, poll_once};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Parser, Debug)]
#[command(name = "worker-throughput", about = "Jobs per second of one queue worker, and backend calls per job")]
struct Args {
    /// Orders placed (each leaves 4 jobs or more) on the in-memory backend.
    #[arg(long, default_value_t = 2000)]
    memory_orders: usize,
    /// Orders placed against the emulators.
    #[arg(long, default_value_t = 100)]
    emulator_orders: usize,
    /// Markdown file to write the report to (default: stdout only).
    #[arg(long)]
    output: Option<PathBuf>,
}

/// Orders per customer: the `orders` rate limit (10 a minute) would refuse an 11th in the same minute.
const ORDERS_PER_CUSTOMER: usize = 10;
/// The queues in the order they are drained: provisioning first, since it sends events of its own.
const QUEUES: [(Priority, &str); 3] = [
    (Priority::High, "order.provision"),
    (Priority::Analytics, "analytics.order_placed"),
    (Priority::Notifications, "event.publish"),
];

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let mut report = String::from(
        "| backend | queue | job type | jobs | wall time | jobs/s | store writes per job | store reads per job | cache calls per job | queue calls per job |\n|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for backend in [Backend::Memory, Backend::Aws] {
        let orders = if backend == Backend::Memory { args.memory_orders } else { args.emulator_orders };
        let name = if backend == Backend::Memory { "in-memory" } else { "emulators (moto + Redis)" };
        let (app, counts) = counted_app(backend).await;
        place_orders(&app, orders).await;
        eprintln!("[worker-throughput] {name}: {orders} orders placed");
        let registry = shared::worker::standard_registry();
        for (queue, job_type) in QUEUES {
            let before = counts.snapshot();
            let run = drain(&app, &registry, queue).await;
            let calls = counts.snapshot().since(&before);
            let per_job = |n: u64| n as f64 / run.jobs as f64;
            let _ = writeln!(
                report,
                "| {name} | {} | `{job_type}` | {} | {:.2} s | {:.0} | {:.2} ({:.2} transactions, {:.2} single) | {:.2} | {:.2} | {:.2} |",
                queue.as_str(),
                run.jobs,
                run.wall.as_secs_f64(),
                run.jobs as f64 / run.wall.as_secs_f64(),
                per_job(calls.transactions + calls.single_writes),
                per_job(calls.transactions),
                per_job(calls.single_writes),
                per_job(calls.gets + calls.batch_gets + calls.queries),
                per_job(calls.cache),
                per_job(calls.queue_sends + calls.queue_other),
            );
            eprintln!("[worker-throughput] {name}, {}: {} jobs in {:.2?}", queue.as_str(), run.jobs, run.wall);
        }
    }
    println!("{report}");
    if let Some(path) = args.output {
        std::fs::write(&path, &report).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }
}

async fn place_orders(app: &TestApp, orders: usize) {
    let shop = shop(&app.ctx, orders as u32, "1.00").await;
    let body = json!({"server_id": shop.server.id, "plan_id": shop.plan.id, "quantity": 1, "payment_method": "wallet"});
    let mut caller = None;
    for n in 0..orders {
        if n % ORDERS_PER_CUSTOMER == 0 {
            caller = Some(Caller::customer(&customer(&app.ctx, "1000").await));
        }
        let reply = Call::to(&routes::ORDERS_CREATE, &[])
            .by(caller.as_ref().expect("a customer"))
            .json(body.clone())
            .send(app)
            .await;
        assert_eq!(reply.status, 201, "order {n}: {}", reply.body);
    }
}

struct Drained {
    jobs: u64,
    /// Until the last job was done (the empty receives that tell the queue is drained are not counted).
    wall: Duration,
}

/// One worker: batches of up to 10, one after the other, until the queue answers empty twice.
async fn drain(app: &TestApp, registry: &JobRegistry, queue: Priority) -> Drained {
    let wait = if app.backend == Backend::Aws { Duration::from_secs(1) } else { Duration::ZERO };
    let started = Instant::now();
    let (mut jobs, mut wall, mut empty) = (0, Duration::ZERO, 0);
    while empty < 2 {
        let report =
            poll_once(&app.ctx, registry, QueueRef::Main(queue), wait, Duration::from_secs(120)).await.expect("a poll");
        if report.outcomes.is_empty() {
            empty += 1;
            continue;
        }
        empty = 0;
        for (id, outcome) in &report.outcomes {
            assert_eq!(*outcome, MessageOutcome::Done, "message {id} on {}", queue.as_str());
        }
        jobs += report.outcomes.len() as u64;
        wall = started.elapsed();
    }
    assert!(jobs > 0, "{} had jobs", queue.as_str());
    Drained { jobs, wall }
}
