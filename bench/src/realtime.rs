//! `realtime`: the real-time API's costs (BENCHMARKS.md, "Real-time"). Fan-out of one domain event to 1, 100 and
//! 10,000 connections subscribed to its channel — the registry's reads, the posts and their rate, with the
//! management API in process and with each post taking 20 ms as API Gateway's may, and the process's memory —
//! and the latency and round trips of `$connect` and of a `pusher:subscribe` through the WebSocket handlers.

use bench::counting::{CallCounts, Snapshot, counted_app};
use clap::Parser;
use integration_tests::{Backend, TestApp};
use shared::adapters::memory::MemoryConnections;
use shared::domain::{Connection, CustomerId, DomainEvent, OrderId, OrderStatus};
use shared::ports::{ConnectionPoster, PostError};
use shared::services::realtime::{broadcast, signature, socket};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser, Debug)]
#[command(name = "realtime", about = "Fan-out of one event and connect/subscribe latency of the real-time API")]
struct Args {
    /// Run on the in-memory backend instead of the emulators (moto + Redis).
    #[arg(long)]
    memory: bool,
    /// Subscribed connections per fan-out (default 1,100,10000 in memory; 1,100 on the emulators: moto copies
    /// its tables for every transaction, so registering thousands of subscriptions there exhausts the memory).
    #[arg(long, value_delimiter = ',')]
    sizes: Option<Vec<usize>>,
    /// Connections whose connect and subscribe are timed.
    #[arg(long, default_value_t = 50)]
    connects: usize,
    /// Markdown file to write the report to (default: stdout only).
    #[arg(long)]
    output: Option<PathBuf>,
}

/// The management API with a fixed latency per post (API Gateway's `PostToConnection` takes milliseconds).
struct SlowConnections {
    inner: Arc<MemoryConnections>,
    latency: Duration,
}

#[async_trait::async_trait]
impl ConnectionPoster for SlowConnections {
    async fn post(&self, connection_id: &str, frame: &str) -> Result<(), PostError> {
        tokio::time::sleep(self.latency).await;
        self.inner.post(connection_id, frame).await
    }

    async fn close(&self, connection_id: &str) -> Result<(), PostError> {
        self.inner.close(connection_id).await
    }
}

/// This process's resident memory now and at its peak, in MB (`/proc/self/status`).
fn memory_mb() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
            .map_or(0.0, |kib| kib * 1024.0 / 1e6)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn percentile(values: &mut [f64], p: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    values[((values.len() - 1) as f64 * p).round() as usize]
}

fn round_trips(used: &Snapshot) -> String {
    format!(
        "reads {}; {} single writes, {} transactions; {} Redis; {} SQS sends",
        used.reads(),
        used.writes(),
        used.transactions,
        used.cache,
        used.queue_sends
    )
}

/// Registers `n` connections on `channel` (the registry's rows, as `$connect` and a subscribe write them) and
/// opens each in the in-process management API; the receivers are returned to keep them open.
async fn subscribe_many(
    app: &TestApp,
    channel: &str,
    n: usize,
    prefix: &str,
) -> Vec<tokio::sync::mpsc::UnboundedReceiver<shared::adapters::memory::Outbound>> {
    let mut receivers = Vec::with_capacity(n);
    let registry = &app.ctx.stores.connections;
    let mut pending = Vec::new();
    for i in 0..n {
        let id = format!("{prefix}{i:08}=");
        receivers.push(app.connections.open(&id));
        let connection = Connection {
            socket_id: signature::socket_id_of(&id),
            connection_id: id,
            subject: "bench".into(),
            groups: Vec::new(),
            connected_at: app.ctx.clock.now(),
        };
        pending.push(async move {
            registry.register(&connection).await.unwrap();
            registry.subscribe(&connection, "bench", channel, &serde_json::Value::Null).await.unwrap();
        });
        if pending.len() == 64 {
            futures_util::future::join_all(pending.drain(..)).await;
        }
    }
    futures_util::future::join_all(pending).await;
    receivers
}

struct FanOutRow {
    size: usize,
    latency_ms: u64,
    used: Snapshot,
    millis: f64,
    delivered: usize,
    rss: (f64, f64),
}

async fn fan_out(app: &TestApp, counts: &CallCounts, size: usize, latency_ms: u64) -> FanOutRow {
    let customer = format!("bench-{size}-{latency_ms}");
    let channel = format!("private-customer.{customer}");
    let _open = subscribe_many(app, &channel, size, &format!("F{size}x{latency_ms}x")).await;
    let mut ctx = app.ctx.clone();
    if latency_ms > 0 {
        ctx = ctx.with_connections(Arc::new(SlowConnections {
            inner: app.connections.clone(),
            latency: Duration::from_millis(latency_ms),
        }));
    }
    let event = DomainEvent::OrderStatusChanged {
        order_id: OrderId(uuid::Uuid::new_v4().to_string()),
        customer_id: CustomerId(customer),
        old_status: Some(OrderStatus::Processing),
        new_status: OrderStatus::Completed,
        timestamp: app.ctx.clock.now(),
    };
    let (target, frame) = broadcast::event_frame("event:bench", &event).unwrap();
    let before = counts.snapshot();
    let started = Instant::now();
    let result = broadcast::to_channel(&ctx, &target, &frame).await.unwrap();
    let millis = started.elapsed().as_secs_f64() * 1000.0;
    let used = counts.snapshot().since(&before);
    FanOutRow { size, latency_ms, used, millis, delivered: result.delivered, rss: memory_mb() }
}

struct Latency {
    p50: f64,
    p95: f64,
    used: Snapshot,
}

/// `$connect` then `pusher:subscribe` to the caller's private channel, `n` times, through the handlers.
async fn connect_and_subscribe(app: &TestApp, counts: &CallCounts, n: usize) -> (Latency, Latency) {
    let app_credentials = shared::services::realtime::signature::AppCredentials::new(
        shared::app::LOCAL_CHANNELS_APP_KEY,
        "1000proxy-local-secret",
    );
    let anonymous = shared::http::Identity::anonymous();
    let (mut connects, mut subscribes) = (Vec::new(), Vec::new());
    let (mut connect_used, mut subscribe_used) = (Snapshot::default(), Snapshot::default());
    for i in 0..n {
        let id = format!("L{i:014}=");
        let _socket = app.connections.open(&id);
        let before = counts.snapshot();
        let started = Instant::now();
        socket::connect(&app.ctx, &id, &anonymous, Some("7")).await.unwrap();
        connects.push(started.elapsed().as_secs_f64() * 1000.0);
        let middle = counts.snapshot();
        connect_used = middle.since(&before);
        let channel = format!("private-customer.c{i}");
        let auth = app_credentials.sign(&signature::socket_id_of(&id), &channel, None);
        let frame = serde_json::json!({"event": "pusher:subscribe", "data": {"channel": channel, "auth": auth}});
        let started = Instant::now();
        socket::receive(&app.ctx, &id, &frame.to_string()).await.unwrap();
        subscribes.push(started.elapsed().as_secs_f64() * 1000.0);
        subscribe_used = counts.snapshot().since(&middle);
    }
    (
        Latency { p50: percentile(&mut connects, 0.5), p95: percentile(&mut connects, 0.95), used: connect_used },
        Latency { p50: percentile(&mut subscribes, 0.5), p95: percentile(&mut subscribes, 0.95), used: subscribe_used },
    )
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let backend = if args.memory { Backend::Memory } else { Backend::Aws };
    let sizes = args.sizes.clone().unwrap_or(if args.memory { vec![1, 100, 10_000] } else { vec![1, 100] });
    let (app, counts) = counted_app(backend).await;
    let backend_name = if args.memory { "in memory" } else { "emulators (moto + Redis)" };
    let mut report = String::new();
    writeln!(report, "Backend: {backend_name}; {}.\n", bench::load_average()).unwrap();
    writeln!(
        report,
        "| subscribed connections | post latency | store and queue calls | fan-out time | posts delivered | posts/s | RSS after (peak) |"
    )
    .unwrap();
    writeln!(report, "|---|---|---|---|---|---|---|").unwrap();
    for size in &sizes {
        for latency_ms in [0, 20] {
            let row = fan_out(&app, &counts, *size, latency_ms).await;
            let rate = row.delivered as f64 / (row.millis / 1000.0);
            writeln!(
                report,
                "| {} | {} | {} | {:.1} ms | {} | {:.0} | {:.0} MB ({:.0} MB) |",
                row.size,
                if row.latency_ms == 0 { "in process".to_owned() } else { format!("{} ms", row.latency_ms) },
                round_trips(&row.used),
                row.millis,
                row.delivered,
                rate,
                row.rss.0,
                row.rss.1,
            )
            .unwrap();
            eprintln!("[bench] fan-out {} ({} ms posts): {:.1} ms", row.size, row.latency_ms, row.millis);
        }
    }
    let (connect, subscribe) = connect_and_subscribe(&app, &counts, args.connects).await;
    writeln!(report, "\n| operation | p50 | p95 | round trips |").unwrap();
    writeln!(report, "|---|---|---|---|").unwrap();
    for (name, latency) in [("`$connect`", connect), ("`pusher:subscribe` (private channel)", subscribe)] {
        writeln!(report, "| {name} | {:.2} ms | {:.2} ms | {} |", latency.p50, latency.p95, round_trips(&latency.used))
            .unwrap();
    }
    println!("{report}");
    if let Some(path) = args.output {
        std::fs::write(&path, &report).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }
}
