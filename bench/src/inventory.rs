//! `inventory`: what `GET /admin/inventory` costs at a thousand servers — backend round trips and latency, in
//! memory and on the emulators — and how long the 15-minute `inventory-check` takes over the same fleet.
//!
//! The fleet (`bench::fleet`): 1,000 servers over 8 locations (a few paused or down), two plans each, 56 days
//! of daily sales recorded through the analytics path. The check runs first on the empty counters (so
//! reconciliation finds nothing to repair: the fleet has no client records), then the counters are set to a
//! spread of loads and the band states recorded, so the view shows bands, alerts, spreads and decisions.
//! Writes a markdown report (BENCHMARKS.md).

use bench::counting::{Snapshot, counted_app};
use bench::fleet::seed_fleet;
use clap::Parser;
use integration_tests::Backend;
use integration_tests::api::{Call, Caller};
use shared::domain::SlotCounters;
use shared::routes;
use shared::services::cache::{StoreName, tags};
use shared::services::inventory::{InventorySettings, capacity, check_capacity_alerts, run_check};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Parser, Debug)]
#[command(name = "inventory", about = "GET /admin/inventory and the inventory check at a thousand servers")]
struct Args {
    #[arg(long, default_value_t = 1000)]
    servers: usize,
    /// Days of sales history seeded in memory (the forecast learns from 56).
    #[arg(long, default_value_t = 56)]
    days: u32,
    /// Days seeded on the emulators: one write per server and day, at moto's pace.
    #[arg(long, default_value_t = 14)]
    emulator_days: u32,
    /// Views read on the in-memory backend.
    #[arg(long, default_value_t = 50)]
    memory_reads: usize,
    /// Views read against the emulators.
    #[arg(long, default_value_t = 10)]
    emulator_reads: usize,
    /// Markdown file to write the report to (default: stdout only).
    #[arg(long)]
    output: Option<PathBuf>,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let settings = InventorySettings::default();
    let mut view_rows = String::new();
    let mut check_rows = String::new();
    for backend in [Backend::Memory, Backend::Aws] {
        let name = if backend == Backend::Memory { "in-memory" } else { "emulators (moto + Redis)" };
        let (app, counts) = counted_app(backend).await;
        let ctx = &app.ctx;
        let started = Instant::now();
        let days = if backend == Backend::Memory { args.days } else { args.emulator_days };
        let fleet = seed_fleet(&app, args.servers, days).await;
        eprintln!("[inventory] {name}: fleet seeded in {:.1} s", started.elapsed().as_secs_f64());

        let before = counts.snapshot();
        let started = Instant::now();
        let check = run_check(ctx, &settings).await.expect("inventory check");
        let took = started.elapsed();
        let used = counts.snapshot().since(&before);
        assert!(check.errors.is_empty(), "{:?}", check.errors);
        let _ = writeln!(
            check_rows,
            "| {name} | {} | {:.2} s | {} | {} | {} | {} |",
            args.servers,
            took.as_secs_f64(),
            used.reads(),
            used.writes() + used.transactions,
            check.forecast.as_ref().map(|f| f.servers - f.servers_without_forecast).unwrap_or(0),
            check.forecast.as_ref().map(|f| f.servers_running_out).unwrap_or(0),
        );
        eprintln!("[inventory] {name}: check in {:.2} s", took.as_secs_f64());

        // A spread of loads, then the band states they put the servers in.
        for (i, server) in fleet.servers.iter().enumerate() {
            let committed = (server.max_clients as usize * ((i * 37) % 101) / 100) as u32;
            let held = committed / 10;
            let to = SlotCounters { used: committed - held, held, free: server.max_clients - committed };
            let zero = SlotCounters { used: 0, held: 0, free: server.max_clients };
            ctx.stores.catalog.repair_counters(&server.id, zero, to).await.expect("load");
        }
        let table = capacity(ctx, &settings.bands).await.expect("table");
        check_capacity_alerts(ctx, &table).await.expect("bands");

        let reads = if backend == Backend::Memory { args.memory_reads } else { args.emulator_reads };
        let mut latencies = Vec::new();
        let mut per_call: Option<Snapshot> = None;
        let mut size = 0;
        for _ in 0..reads {
            // The view computed, not served from the cache (`cache-views` measures that): dropped before each read.
            ctx.views.invalidate(StoreName::Default, &[tags::INVENTORY.to_owned()]).await;
            let before = counts.snapshot();
            let started = Instant::now();
            let reply = Call::to(&routes::INVENTORY_GET, &[]).by(&Caller::Admin("bench".into())).send(&app).await;
            latencies.push(started.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(reply.status, 200, "{}", reply.body);
            size = reply.body.to_string().len();
            let used = counts.snapshot().since(&before);
            assert!(per_call.is_none_or(|p| p == used), "every view costs the same calls");
            per_call = Some(used);
        }
        latencies.sort_by(f64::total_cmp);
        let used = per_call.expect("at least one read");
        let _ = writeln!(
            view_rows,
            "| {name} | {} | {} | {} | {} | {:.1} ms | {:.1} ms | {} kB |",
            args.servers,
            reads,
            used.reads(),
            used.writes() + used.transactions + used.queue_sends,
            percentile(&latencies, 0.5),
            percentile(&latencies, 0.95),
            size / 1000,
        );
    }
    let mut report = String::new();
    let _ = writeln!(report, "### `GET /admin/inventory` (measured {})\n", chrono::Utc::now().format("%Y-%m-%d"));
    let _ =
        writeln!(report, "| backend | servers | reads | store round trips per view | writes | p50 | p95 | answer |");
    let _ = writeln!(report, "|---|---|---|---|---|---|---|---|");
    report.push_str(&view_rows);
    let _ = writeln!(report, "\n### `inventory-check`, one run\n");
    let _ = writeln!(
        report,
        "| backend | servers | wall time | store round trips | store writes | servers forecast | running out in 30 days |"
    );
    let _ = writeln!(report, "|---|---|---|---|---|---|---|");
    report.push_str(&check_rows);
    let _ = writeln!(report, "\nLoad average (1, 5, 15 min) at the end: {}", bench::load_average());
    print!("{report}");
    if let Some(path) = args.output {
        std::fs::write(&path, &report).expect("write the report");
    }
}
