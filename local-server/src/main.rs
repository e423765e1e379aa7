//! The local run: every function of the route table in one process on 127.0.0.1.
//!
//! `cargo run -p local-server` serves the embedded in-memory backend filled with demo data; `--backend aws`
//! points it at DynamoDB/SQS/Redis endpoints instead (e.g. the emulators of `scripts/test-services.sh`).
//! `cargo run -p local-server -- token --admin` prints a dev token.

mod demo;

use clap::{Parser, Subcommand, ValueEnum};
use local_server::{background, dev_token, serve_http};
use shared::adapters::memory::{
    MemoryCache, MemoryConnections, MemoryPanel, MemoryQueue, MemoryTable, MemoryWorkerPool,
};
use shared::app::AppContext;
use shared::clock::{Clock, SystemClock};
use shared::config::AwsSettings;
use shared::routes::{FUNCTIONS, Trigger};
use std::net::SocketAddr;
use std::sync::Arc;
use tracing::instrument::WithSubscriber;

/// The demo history replayed by default on `--backend aws` (see `ServeArgs::demo_days`).
const AWS_DEMO_DAYS: u32 = 14;

#[derive(Parser)]
#[command(name = "local-server", about = "Runs every 1000proxy system-services function locally")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Serve every function (the default).
    Serve(ServeArgs),
    /// Print a dev token the local server accepts.
    Token {
        /// Put the token's subject in the `admin` group.
        #[arg(long)]
        admin: bool,
        /// The subject (customer id); random when not given.
        #[arg(long)]
        subject: Option<String>,
        #[arg(long, default_value_t = 12)]
        hours: i64,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum BackendChoice {
    /// In-memory store, cache and queues (the embedded default).
    Memory,
    /// DynamoDB, Redis and SQS at the configured endpoints.
    Aws,
}

#[derive(clap::Args, Clone)]
struct ServeArgs {
    #[arg(long, default_value = "127.0.0.1:3000", env = "LOCAL_ADDR")]
    addr: SocketAddr,
    #[arg(long, value_enum, default_value_t = BackendChoice::Memory, env = "LOCAL_BACKEND")]
    backend: BackendChoice,
    /// Do not load the demo data set.
    #[arg(long)]
    no_demo: bool,
    /// Seed of the demo data set (same seed, same data).
    #[arg(long, default_value_t = 1000)]
    seed: u64,
    /// Days of demo history: 90 by default; 14 with `--backend aws`, where every order costs some 50 calls to
    /// the endpoints (about 1.5 s on the emulators).
    #[arg(long)]
    demo_days: Option<u32>,
    /// With `--backend aws`: create the table and queues (named by `--name`) at `AWS_ENDPOINT_URL` instead of
    /// reading TABLE_NAME and QUEUE_URL_* from the environment. For emulators.
    #[arg(long)]
    provision: bool,
    /// Table name and queue prefix for `--provision`.
    #[arg(long, default_value = "1000proxy-local")]
    name: String,
    /// Redis for `--provision` (otherwise REDIS_URL).
    #[arg(long, default_value = "redis://127.0.0.1:16379/0")]
    redis_url: String,
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Token { admin, subject, hours }) => print_token(admin, subject, hours),
        Some(Command::Serve(args)) => serve(args).await,
        None => serve(cli.serve).await,
    };
    if let Err(error) = result {
        eprintln!("local-server: {error}");
        std::process::exit(1);
    }
}

fn print_token(admin: bool, subject: Option<String>, hours: i64) -> Result<(), String> {
    let subject =
        subject.unwrap_or_else(|| if admin { "local-admin".into() } else { uuid::Uuid::new_v4().to_string() });
    let groups: &[&str] = if admin { &["admin"] } else { &[] };
    println!("{}", dev_token::issue(&subject, groups, hours, SystemClock.now().timestamp(), &dev_token::secret())?);
    Ok(())
}

/// What the server runs on: the context, its clock (the demo sets it while it replays its history) and, when
/// the panels are simulated, the simulated panels.
struct Backend {
    ctx: AppContext,
    /// The WebSocket API's connections, which `ctx` posts to and the local gateway serves.
    connections: Arc<MemoryConnections>,
    clock: Arc<demo::DemoClock>,
    panel: Option<Arc<MemoryPanel>>,
}

/// The embedded backend: every port in memory, on `clock`, with `panel` as the servers' panels.
fn memory_context(clock: Arc<dyn Clock>, panel: Arc<MemoryPanel>) -> AppContext {
    let cache: Arc<dyn shared::ports::Cache> = Arc::new(MemoryCache::new(clock.clone()));
    let views = AppContext::views(clock.clone(), AppContext::memory_tagged_stores(clock.clone()), cache.clone());
    let ports = shared::app::Ports {
        table: Arc::new(MemoryTable::new(clock.clone())),
        cache,
        queue: Arc::new(MemoryQueue::new(clock.clone())),
        panel,
        workers: Arc::new(MemoryWorkerPool::default()),
        views,
    };
    AppContext::new(clock, ports, "memory")
}

/// How many of its own log events the local run keeps for the logs endpoint.
const LOG_RING_CAPACITY: usize = 10_000;

async fn backend(args: &ServeArgs) -> Result<Backend, String> {
    let demo_clock = Arc::new(demo::DemoClock::wall());
    let clock: Arc<dyn Clock> = demo_clock.clone();
    let (ctx, panel) = match args.backend {
        BackendChoice::Memory => {
            let panel = Arc::new(MemoryPanel::new());
            (memory_context(clock, panel.clone()), Some(panel))
        }
        BackendChoice::Aws if args.provision => {
            let sdk = shared::adapters::aws::sdk_config().await;
            let dynamo = aws_sdk_dynamodb::Client::new(&sdk);
            shared::adapters::aws::provision::create_table(&dynamo, &args.name).await.map_err(|e| e.to_string())?;
            let sqs = aws_sdk_sqs::Client::new(&sdk);
            let queue_urls =
                shared::adapters::aws::provision::create_queues(&sqs, &args.name).await.map_err(|e| e.to_string())?;
            let settings = AwsSettings {
                table_name: args.name.clone(),
                redis_url: args.redis_url.clone(),
                redis_auth: None,
                redis_ca_file: None,
                cache_prefix: format!("{}:", args.name),
                store_urls: Default::default(),
                queue_urls,
                panel_username: String::new(),
                panel_password: shared::config::SecretSetting::Value(String::new()),
                panel_scheme: "https".into(),
                worker_mappings: Default::default(),
                channels_app: None,
            };
            let mut ctx = AppContext::aws(&settings, clock).await.map_err(|e| e.to_string())?;
            // The demo servers' panels do not exist: the local run simulates them (as the embedded default does).
            let panel = Arc::new(MemoryPanel::new());
            ctx.panel = panel.clone();
            // No Lambda event source mappings either: the local poller is the worker pool.
            ctx.workers = Arc::new(shared::adapters::memory::MemoryWorkerPool::default());
            (ctx, Some(panel))
        }
        BackendChoice::Aws => {
            let settings = AwsSettings::from_env().map_err(|e| e.to_string())?;
            (AppContext::aws(&settings, clock).await.map_err(|e| e.to_string())?, None)
        }
    };
    // Alert e-mail when ALERT_EMAIL_FROM and ALERT_EMAIL_TO are set (as the worker in Lambda): written to the log
    // in memory, sent through SES on the AWS backend.
    let ctx = match shared::config::AlertMailSettings::from_env() {
        Some(mail) => {
            let mailer: Arc<dyn shared::ports::Mailer> = match args.backend {
                BackendChoice::Memory => Arc::new(shared::adapters::memory::MemoryMailer::new()),
                BackendChoice::Aws => Arc::new(shared::adapters::aws::SesMailer::new(
                    &shared::adapters::aws::sdk_config().await,
                    mail.from,
                )),
            };
            ctx.with_alert_mail(shared::deps::AlertMail { mailer, recipients: mail.recipients, window: mail.window })
        }
        None => ctx,
    };
    // The management API is answered in process on either backend: the local gateway is the WebSocket API.
    let connections = Arc::new(MemoryConnections::new());
    let mut ctx = ctx.with_connections(connections.clone());
    if ctx.channels_app.is_none() {
        ctx = ctx.with_channels_app(AppContext::local_channels_app());
    }
    Ok(Backend { ctx, connections, clock: demo_clock, panel })
}

async fn serve(args: ServeArgs) -> Result<(), String> {
    // The process's own log events, for the logs endpoint (`GET /admin/system/logs`).
    let ring = shared::log_ring::LogRing::new(Arc::new(SystemClock), LOG_RING_CAPACITY);
    shared::logging::init_with_ring(&ring);
    let mut backend = backend(&args).await?;
    backend.ctx.log_source = Some(ring);
    let demo = if args.no_demo {
        None
    } else {
        // With real panels configured, the demo's made-up servers still get simulated ones.
        let panel = backend.panel.clone().unwrap_or_else(|| Arc::new(MemoryPanel::new()));
        let started = std::time::Instant::now();
        let days = args.demo_days.unwrap_or(match args.backend {
            BackendChoice::Memory => demo::DAYS,
            BackendChoice::Aws => AWS_DEMO_DAYS,
        });
        let load = demo::load(&backend.ctx, &backend.clock, panel, args.seed, days);
        // Replaying the history logs every job it runs, the scripted panel outages' failures included: shown only
        // when RUST_LOG asks for logs.
        let summary = if std::env::var_os("RUST_LOG").is_some() {
            load.await
        } else {
            load.with_subscriber(tracing::subscriber::NoSubscriber::default()).await
        }
        .map_err(|e| format!("loading demo data: {e}"))?;
        tracing::info!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            days,
            orders = summary.orders,
            "demo data loaded"
        );
        Some((days, summary))
    };
    let ctx = Arc::new(backend.ctx);
    let listener = tokio::net::TcpListener::bind(args.addr).await.map_err(|e| format!("bind {}: {e}", args.addr))?;
    let secret = Arc::new(dev_token::secret());
    let admin_token = dev_token::issue("local-admin", &["admin"], 12, ctx.clock.now().timestamp(), &secret)?;
    background::start(ctx.clone())?;
    print_banner(&args, demo.as_ref(), &admin_token);

    tokio::select! {
        result = serve_http(listener, ctx, secret, backend.connections) => result,
        _ = tokio::signal::ctrl_c() => {
            println!("\nstopped");
            Ok(())
        }
    }
}

fn print_banner(args: &ServeArgs, demo: Option<&(u32, demo::DemoSummary)>, admin_token: &str) {
    let backend = match args.backend {
        BackendChoice::Memory => "memory (embedded)",
        BackendChoice::Aws => "aws (DynamoDB / Redis / SQS endpoints)",
    };
    println!("1000proxy system services — local run");
    println!("  backend    {backend}");
    if let Some((days, d)) = demo {
        let in_progress = if d.in_progress > 0 { format!(", {} in progress", d.in_progress) } else { String::new() };
        println!(
            "  demo data  {} customers, {} servers, {} plans, {} orders over {days} days ({} completed, {} cancelled, \
             {} in dispute{}; {} paid revenue), {} active clients",
            d.customers,
            d.servers,
            d.plans,
            d.orders,
            d.completed,
            d.cancelled,
            d.disputed,
            in_progress,
            d.paid_revenue,
            d.clients
        );
    }
    if let Some(try_it) = demo.and_then(|(_, d)| d.try_it.as_ref()) {
        println!(
            "  try it     customer {} (wallet {}), server_id {} plan_id {}",
            try_it.customer_id, try_it.balance, try_it.server_id, try_it.plan_id
        );
    }
    println!("  listening  http://{}", args.addr);
    for spec in FUNCTIONS {
        match spec.trigger {
            Trigger::Http { method, path, .. } => {
                let role = match spec.role {
                    Some(shared::http::Role::Admin) => "admin",
                    Some(shared::http::Role::Customer) => "customer",
                    None => "public",
                };
                println!("  route      {method} {path}  ({}, {role})", spec.name);
            }
            Trigger::Schedule { expression } => {
                println!("  schedule   {expression}  ({})", spec.name)
            }
            Trigger::Worker { queues } => {
                let names: Vec<&str> = queues.iter().map(|q| q.as_str()).collect();
                println!("  worker     {}  ({})", names.join(", "), spec.name);
            }
            Trigger::UserPool { trigger } => {
                println!("  user pool  {trigger}  ({}, run for a dev token's new customer)", spec.name)
            }
            Trigger::WebSocket { route } => {
                println!("  websocket  {route}  ({}, ws://{}/app/<key>)", spec.name, args.addr)
            }
        }
    }
    println!("  openapi    http://{}/openapi.json", args.addr);
    println!();
    println!("Admin dashboards (signs in with the admin token below; it stays in the tab's session storage):");
    println!("  http://{}/admin/ui#token={admin_token}", args.addr);
    println!();
    println!("Admin token (12 h; `cargo run -p local-server -- token --admin` prints another):");
    println!("  export TOKEN={admin_token}");
    println!("  curl -s -H \"Authorization: Bearer $TOKEN\" http://{}/admin/system/health", args.addr);
    println!();
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// Sends one raw HTTP/1.1 request and returns (status, body).
    async fn call(addr: SocketAddr, method: &str, path: &str, token: Option<&str>) -> (u16, serde_json::Value) {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
        let request = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\n{auth}Connection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut raw = String::new();
        stream.read_to_string(&mut raw).await.unwrap();
        let status = raw.split(' ').nth(1).unwrap().parse().unwrap();
        let body = raw.split("\r\n\r\n").nth(1).unwrap_or_default();
        (status, serde_json::from_str(body).unwrap_or(serde_json::Value::Null))
    }

    #[tokio::test]
    async fn the_local_gateway_authorizes_like_api_gateway_and_serves_the_health_check() {
        let ctx = Arc::new(AppContext::in_memory(Arc::new(SystemClock)));
        let secret = Arc::new("test-secret".to_owned());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(serve_http(listener, ctx, secret.clone(), Arc::new(MemoryConnections::new())));
        let now = SystemClock.now().timestamp();
        let admin = dev_token::issue("ops", &["support", "admin"], 1, now, &secret).unwrap();
        let customer = dev_token::issue("c-1", &[], 1, now, &secret).unwrap();
        let forged = dev_token::issue("ops", &["admin"], 1, now, "another-secret").unwrap();

        let (status, body) = call(addr, "GET", "/admin/system/health", Some(&admin)).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["data"]["status"], "healthy");
        assert!(body["request_id"].is_string());

        let (status, body) = call(addr, "GET", "/admin/system/health", Some(&customer)).await;
        assert_eq!((status, body["error_code"].as_str()), (403, Some("forbidden")));
        for token in [None, Some(forged.as_str()), Some("not-a-jwt")] {
            let (status, body) = call(addr, "GET", "/admin/system/health", token).await;
            assert_eq!((status, body["message"].as_str()), (401, Some("Unauthorized")), "API Gateway's own 401");
        }
        let (status, _) = call(addr, "GET", "/admin/nothing-here", Some(&admin)).await;
        assert_eq!(status, 404);
        let (status, body) = call(addr, "GET", "/openapi.json", None).await;
        assert_eq!(status, 200);
        assert!(body["paths"]["/admin/system/health"]["get"].is_object());
    }
}
