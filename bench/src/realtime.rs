//! `realtime`: the real-time API's costs (BENCHMARKS.md, "Real-time"). Fan-out of one domain event to 1, 100 and
//! 10,000 connections subscribed to its channel — the registry's reads, the posts and their rate, with the
//! management API in process and with each post taking 20 ms as API Gateway's may, and the process's memory —
//! and the latency and round trips of `$connect` and of a `pusher:subscribe` through the WebSocket handlers, and
//! of live chat's operations (what each chat route's service does).

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

/// Times `op` once per item of `inputs` and keeps the round trips of the last.
async fn timed<T, F, Fut>(counts: &CallCounts, inputs: Vec<T>, mut op: F) -> Latency
where
    F: FnMut(T) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let (mut times, mut used) = (Vec::new(), Snapshot::default());
    for input in inputs {
        let before = counts.snapshot();
        let started = Instant::now();
        op(input).await;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        used = counts.snapshot().since(&before);
    }
    Latency { p50: percentile(&mut times, 0.5), p95: percentile(&mut times, 0.95), used }
}

/// Live chat's operations, `n` conversations each: opening, asking again, a first message, support's answer
/// (which marks the customer's messages read), a page of 50 of a conversation's history, the admins' open list,
/// reading, assigning, and the delivery job posting to the conversation's two connections and both sides'
/// channels.
async fn chat_operations(app: &TestApp, counts: &CallCounts, n: usize) -> Vec<(&'static str, Latency)> {
    use shared::services::realtime::chat::{self, delivery};
    let customers: Vec<shared::http::Identity> =
        (0..n).map(|i| shared::http::Identity { subject: format!("chat-customer-{i}"), groups: vec![] }).collect();
    let support = shared::http::Identity { subject: "bench-admin".into(), groups: vec!["admin".into()] };
    let opened_ids = std::cell::RefCell::new(Vec::new());
    let mut rows = Vec::new();
    let opened = timed(counts, customers.clone(), |caller| {
        let opened_ids = &opened_ids;
        async move {
            let id = chat::start(&app.ctx, &caller).await.unwrap().0.id.to_string();
            opened_ids.borrow_mut().push(id);
        }
    })
    .await;
    let ids = opened_ids.into_inner();
    rows.push(("`POST /api/chats` (opens one)", opened));
    rows.push((
        "`POST /api/chats` (finds the open one)",
        timed(counts, customers.clone(), |caller| async move {
            chat::start(&app.ctx, &caller).await.unwrap();
        })
        .await,
    ));
    // Enough history for a full page: 50 messages in the first conversation.
    for m in 0..50 {
        chat::send(&app.ctx, &customers[0], &ids[0], format!("message {m}"), None).await.unwrap();
    }
    let pairs: Vec<(shared::http::Identity, String)> = customers.iter().cloned().zip(ids.iter().cloned()).collect();
    rows.push((
        "`POST /api/chats/{id}/messages` (customer)",
        timed(counts, pairs.clone(), |(caller, id)| async move {
            chat::send(&app.ctx, &caller, &id, "My proxy is slow".into(), None).await.unwrap();
        })
        .await,
    ));
    rows.push((
        "`POST /api/chats/{id}/messages` (support answers: marks read)",
        timed(counts, ids.clone(), |id| {
            let support = support.clone();
            async move {
                chat::send(&app.ctx, &support, &id, "Looking into it".into(), None).await.unwrap();
            }
        })
        .await,
    ));
    let page = shared::http::page::PageRequest { limit: 50, after: None };
    rows.push((
        "`GET /api/chats/{id}/messages` (50)",
        timed(counts, vec![(); n], |_| {
            let page = page.clone();
            let (caller, id) = (customers[0].clone(), ids[0].clone());
            async move {
                chat::history(&app.ctx, &caller, &id, page).await.unwrap();
            }
        })
        .await,
    ));
    rows.push((
        "`GET /admin/chats` (first page)",
        timed(counts, vec![(); n], |_| async move {
            let which = shared::store::OpenConversations::All;
            chat::open_for_support(&app.ctx, &which, 20, None).await.unwrap();
        })
        .await,
    ));
    rows.push((
        "`POST /api/chats/{id}/read`",
        timed(counts, pairs.clone(), |(caller, id)| async move {
            chat::mark_read(&app.ctx, &caller, &id).await.unwrap();
        })
        .await,
    ));
    rows.push((
        "`POST /admin/chats/{id}/assign`",
        timed(counts, ids.clone(), |id| async move {
            chat::assign(&app.ctx, &id, "bench-admin", false).await.unwrap();
        })
        .await,
    ));
    // The delivery job's work for one message, both participants connected to the conversation's channel.
    let mut deliveries = Vec::new();
    let mut sockets = Vec::new();
    for (i, (caller, id)) in pairs.iter().enumerate() {
        sockets.extend(subscribe_many(app, &format!("private-chat.{id}"), 2, &format!("K{i:05}")).await);
        let message = shared::domain::ChatMessage {
            id: shared::domain::MessageId::new(app.ctx.clock.now()),
            conversation_id: shared::domain::ConversationId(id.clone()),
            side: shared::domain::ChatSide::Customer,
            sender: caller.subject.clone(),
            body: "Delivered".into(),
            sent_at: app.ctx.clock.now(),
        };
        deliveries.push(delivery::ChatDelivery {
            customer_id: CustomerId(caller.subject.clone()),
            event: delivery::ChatEvent::Message(message),
        });
    }
    rows.push((
        "`chat.deliver` (2 connections on the chat)",
        timed(counts, deliveries, |job| async move {
            delivery::deliver(&app.ctx, &job).await.unwrap();
        })
        .await,
    ));
    drop(sockets);
    rows
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
    let mut operations = vec![("`$connect`", connect), ("`pusher:subscribe` (private channel)", subscribe)];
    operations.extend(chat_operations(&app, &counts, args.connects).await);
    for (name, latency) in operations {
        writeln!(report, "| {name} | {:.2} ms | {:.2} ms | {} |", latency.p50, latency.p95, round_trips(&latency.used))
            .unwrap();
    }
    println!("{report}");
    if let Some(path) = args.output {
        std::fs::write(&path, &report).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }
}
