//! `pages`: each admin page's load (BENCHMARKS.md, "Admin pages"): the server's time and the bytes it answers,
//! and the backend round trips it makes, on the emulators (moto + Redis) with a fleet of servers and a month of
//! orders. A page load is the shell (`GET /admin/ui`, once per visit) and then its page route; the table gives
//! each route, cold (the cache of views emptied: what the first reader after a change pays) and warm (the
//! median of the next reads, as the 5-second refresh sees them), and the system report's three formats.

use bench::counting::{Snapshot, counted_app};
use bench::fleet::seed_fleet;
use clap::Parser;
use integration_tests::api::{Call, Caller};
use integration_tests::{Backend, TestApp};
use shared::routes::{self, FunctionSpec};
use shared::services::cache::{StoreName, tags};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Parser, Debug)]
#[command(name = "pages", about = "Each admin page's server time, bytes and backend round trips")]
struct Args {
    /// Warm loads per page.
    #[arg(long, default_value_t = 20)]
    reads: usize,
    /// Servers in the fleet (two plans each).
    #[arg(long, default_value_t = 50)]
    servers: usize,
    /// Days of orders.
    #[arg(long, default_value_t = 30)]
    days: u32,
    /// Run on the in-memory backend instead of the emulators: the pages' own time, without the emulators'.
    #[arg(long)]
    memory: bool,
    /// Markdown file to write the report to (default: stdout only).
    #[arg(long)]
    output: Option<PathBuf>,
}

struct Load {
    used: Snapshot,
    millis: f64,
    bytes: usize,
}

async fn load(app: &TestApp, spec: &'static FunctionSpec, query: &str, counts: &bench::counting::CallCounts) -> Load {
    let before = counts.snapshot();
    let started = Instant::now();
    let reply = Call::to(spec, &[]).by(&Caller::Admin("bench".into())).query(query).send(app).await;
    let millis = started.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(reply.status, 200, "{}: {}", spec.name, String::from_utf8_lossy(&reply.bytes));
    Load { used: counts.snapshot().since(&before), millis, bytes: reply.bytes.len() }
}

fn round_trips(used: &Snapshot) -> String {
    format!("{} store, {} Redis, {} SQS", used.reads(), used.cache, used.queue_other)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let backend = if args.memory { Backend::Memory } else { Backend::Aws };
    let (app, counts) = counted_app(backend).await;
    seed_fleet(&app, args.servers, args.days).await;
    // A health check's report, as the 5-minute schedule keeps one.
    shared::services::monitoring::scheduled::health_check(&app.ctx, serde_json::json!({})).await.unwrap();
    let cases: [(&str, &'static FunctionSpec, &str); 10] = [
        ("`GET /admin/ui` (the shell)", &routes::ADMIN_UI, ""),
        ("`GET /admin/pages/system`", &routes::PAGE_SYSTEM, ""),
        ("`GET /admin/pages/analytics` (30 days)", &routes::PAGE_ANALYTICS, "period=30d"),
        ("`GET /admin/pages/queues`", &routes::PAGE_QUEUES, ""),
        ("`GET /admin/pages/inventory`", &routes::PAGE_INVENTORY, ""),
        ("`GET /admin/pages/inventory?plan=rebalance`", &routes::PAGE_INVENTORY, "plan=rebalance"),
        ("`GET /admin/pages/pricing`", &routes::PAGE_PRICING, ""),
        ("`GET /admin/system/export` (json)", &routes::SYSTEM_EXPORT, "format=json"),
        ("`GET /admin/system/export?format=csv` (zip)", &routes::SYSTEM_EXPORT, "format=csv"),
        ("`GET /admin/system/export?format=html`", &routes::SYSTEM_EXPORT, "format=html"),
    ];
    let mut report = String::new();
    let _ = writeln!(
        report,
        "### Admin pages (measured {}; {} servers, {} days of orders, {})\n",
        chrono::Utc::now().format("%Y-%m-%d"),
        args.servers,
        args.days,
        if args.memory { "in-memory backend" } else { "moto + Redis" }
    );
    let _ = writeln!(
        report,
        "| route | bytes | cold: round trips | cold: server time | warm: round trips | warm: server time (p50) |"
    );
    let _ = writeln!(report, "|---|---|---|---|---|---|");
    for (name, spec, query) in cases {
        // Cold: every overview the page reads through the cache of views is loaded again (the analytics' forecasts
        // stay cached for the day, as after the day's first reader).
        app.ctx
            .views
            .invalidate(StoreName::Default, &[tags::PRICING.into(), tags::INVENTORY.into(), tags::QUEUES.into()])
            .await;
        let cold = load(&app, spec, query, &counts).await;
        let mut times = Vec::new();
        let mut warm = None;
        for _ in 0..args.reads {
            let l = load(&app, spec, query, &counts).await;
            times.push(l.millis);
            warm = Some(l);
        }
        let warm = warm.expect("at least one read");
        let _ = writeln!(
            report,
            "| {name} | {} | {} | {:.1} ms | {} | {:.1} ms |",
            warm.bytes,
            round_trips(&cold.used),
            cold.millis,
            round_trips(&warm.used),
            median(&mut times)
        );
    }
    let _ = writeln!(report, "\nLoad average (1, 5, 15 min) at the end: {}", bench::load_average());
    print!("{report}");
    if let Some(path) = args.output {
        std::fs::write(&path, &report).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }
}
