//! `health`: what the health check costs at a thousand servers — its backend round trips (store, cache, queues,
//! panel probes) and its duration, in memory and on the emulators (moto + Redis), as `GET /admin/system/health`
//! runs it and as the 5-minute task runs it while an alert is open (the alert's reads and writes on top); and the
//! system dashboard's call, warm.
//!
//! The fleet (`bench::fleet`): 1,000 servers over 8 locations, a few paused or down, no sales history (the
//! check reads none). Writes a markdown report (BENCHMARKS.md).

use bench::counting::{CallCounts, Snapshot, counted_app};
use bench::fleet::seed_fleet;
use clap::Parser;
use integration_tests::Backend;
use integration_tests::api::{Call, Caller};
use shared::domain::Priority;
use shared::ports::QueueRef;
use shared::routes;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Parser, Debug)]
#[command(name = "health", about = "The health check at a thousand servers: round trips and duration")]
struct Args {
    #[arg(long, default_value_t = 1000)]
    servers: usize,
    /// Checks run on the in-memory backend.
    #[arg(long, default_value_t = 50)]
    memory_runs: usize,
    /// Checks run against the emulators.
    #[arg(long, default_value_t = 10)]
    emulator_runs: usize,
    /// Markdown file to write the report to (default: stdout only).
    #[arg(long)]
    output: Option<PathBuf>,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// The round trips of one run, spelled out.
fn trips(used: &Snapshot) -> String {
    let mut trips = format!(
        "{} store reads, {} store writes, {} Redis, {} SQS",
        used.reads(),
        used.writes() + used.transactions,
        used.cache,
        used.queue_sends + used.queue_other
    );
    if used.panel > 0 {
        trips.push_str(&format!(", {} panel probes", used.panel));
    }
    trips
}

/// Runs `run` `runs` times: the round trips of most runs, p50 and p95 as table cells. (A run now and then writes
/// its instance's batch of request telemetry, one Redis round trip more: every 50th HTTP request.)
async fn measure(counts: &CallCounts, runs: usize, mut run: impl AsyncFnMut()) -> String {
    let mut latencies = Vec::new();
    let mut seen: Vec<(Snapshot, usize)> = Vec::new();
    for _ in 0..runs {
        let before = counts.snapshot();
        let started = Instant::now();
        run().await;
        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
        let used = counts.snapshot().since(&before);
        match seen.iter_mut().find(|(s, _)| *s == used) {
            Some((_, n)) => *n += 1,
            None => seen.push((used, 1)),
        }
    }
    latencies.sort_by(f64::total_cmp);
    let (typical, _) = seen.iter().max_by_key(|(_, n)| *n).copied().expect("a run");
    for (other, _) in &seen {
        let only_telemetry = Snapshot { cache: typical.cache, ..*other } == typical && other.cache == typical.cache + 1;
        assert!(
            *other == typical || only_telemetry,
            "runs differ beyond the telemetry batch: {typical:?} vs {other:?}"
        );
    }
    format!("{} | {:.1} ms | {:.1} ms", trips(&typical), percentile(&latencies, 0.5), percentile(&latencies, 0.95))
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let mut rows = String::new();
    for backend in [Backend::Memory, Backend::Aws] {
        let name = if backend == Backend::Memory { "in-memory" } else { "emulators (moto + Redis)" };
        let (app, counts) = counted_app(backend).await;
        let started = Instant::now();
        seed_fleet(&app, args.servers, 0).await;
        eprintln!("[health] {name}: fleet seeded in {:.1} s", started.elapsed().as_secs_f64());
        let runs = if backend == Backend::Memory { args.memory_runs } else { args.emulator_runs };

        // GET /admin/system/health: the probes and the four data checks.
        let row = measure(&counts, runs, async || {
            let reply = Call::to(&routes::SYSTEM_HEALTH, &[]).by(&Caller::Admin("bench".into())).send(&app).await;
            assert_eq!(reply.status, 200, "{}", reply.body);
        })
        .await;
        let _ = writeln!(rows, "| {name} | `GET /admin/system/health` | {} | {row} |", args.servers);

        // The scheduled check while unhealthy (a backlog on `high`, the workers running): its alert is open and
        // counted each run.
        integration_tests::workers_ran_lately(&app).await;
        for _ in 0..101 {
            app.ctx.queue.send(QueueRef::Main(Priority::High), "{}", None).await.expect("backlog");
        }
        shared::services::monitoring::scheduled::health_check(&app.ctx, serde_json::json!({})).await.expect("opens");
        let row = measure(&counts, runs, async || {
            let summary = shared::services::monitoring::scheduled::health_check(&app.ctx, serde_json::json!({}))
                .await
                .expect("a run");
            assert_eq!(summary["alert"]["open"].as_array().map(Vec::len), Some(1), "{summary}");
        })
        .await;
        let _ = writeln!(rows, "| {name} | `system-health-check`, alert open | {} | {row} |", args.servers);

        // The system dashboard, warm: the check's report cached, the overviews in the cache of views (the first
        // call loads them; the queue overview lives 5 s, so the runs are timed within that).
        let dashboard = || Call::to(&routes::SYSTEM_DASHBOARD, &[]).by(&Caller::Admin("bench".into())).send(&app);
        let first = dashboard().await;
        assert_eq!(first.status, 200, "{}", first.body);
        assert_eq!(first.body["data"]["unavailable"], serde_json::json!([]), "{}", first.body);
        let row = measure(&counts, runs, async || {
            let reply = dashboard().await;
            assert_eq!(reply.body["data"]["status"], "degraded", "{}", reply.body);
        })
        .await;
        let _ = writeln!(rows, "| {name} | `GET /admin/system/dashboard`, warm | {} | {row} |", args.servers);
    }
    let mut report = String::new();
    let _ = writeln!(
        report,
        "### The health check at a thousand servers (measured {})\n",
        chrono::Utc::now().format("%Y-%m-%d")
    );
    let _ = writeln!(report, "| backend | run | servers | round trips per run | p50 | p95 |");
    let _ = writeln!(report, "|---|---|---|---|---|---|");
    report.push_str(&rows);
    let _ = writeln!(report, "\nLoad average (1, 5, 15 min) at the end: {}", bench::load_average());
    print!("{report}");
    if let Some(path) = args.output {
        std::fs::write(&path, &report).expect("write the report");
    }
}
