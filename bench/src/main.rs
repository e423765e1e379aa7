//! `cold-start`: spawns each Lambda function's release binary, again and again, against a local Lambda Runtime
//! API emulator ([`emulator`]), beside the `hello-world` baseline built the same way, and writes a markdown table
//! of init time, first response, warm latency, binary size and peak RSS (BENCHMARKS.md).
//!
//! The functions' invocations really call DynamoDB, SQS and Redis: the bench runs them against the local
//! emulators of `scripts/test-services.sh start`, on a table and queues of its own (created with
//! `shared::adapters::aws::provision`, deleted at the end).

mod emulator;

use bytes::Bytes;
use clap::Parser;
use emulator::{Emulator, Invocation, Report};
use serde_json::{Value, json};
use shared::adapters::aws::QueueUrls;
use shared::adapters::aws::provision::{create_queues, create_table};
use shared::ports::QueueRef;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::{ExitCode, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::process::{Child, Command};

/// The init-time target: at most this many times hello-world's.
const INIT_RATIO_TARGET: f64 = 1.5;
/// The binary-size target, in bytes (8 MB).
const SIZE_TARGET: u64 = 8_000_000;
/// How long the bench waits for any one thing the function should do (Lambda's deadline in the emulator).
const WAIT: Duration = Duration::from_secs(30);
const BASELINE: &str = "hello-world";

#[derive(Parser, Debug)]
#[command(
    name = "cold-start",
    about = "Cold-start benchmark of the Lambda binaries against a local Runtime API emulator",
    after_help = "Needs the emulators of `scripts/test-services.sh start` (Redis on 127.0.0.1:16379, moto on \
                  127.0.0.1:15000, or TEST_REDIS_URL / AWS_ENDPOINT_URL). scripts/bench-cold-start.sh does it all."
)]
struct Args {
    /// Directory holding the release binaries (`--list` names them).
    #[arg(long, default_value = "target/lambda/release")]
    bin_dir: PathBuf,
    /// Cold starts per function (after one discarded warm-up round).
    #[arg(long, default_value_t = 10)]
    runs: usize,
    /// Warm invocations after each cold start.
    #[arg(long, default_value_t = 20)]
    warm: usize,
    /// Markdown file to write the table to (default: stdout only).
    #[arg(long)]
    output: Option<PathBuf>,
    /// Heading of the table in the markdown.
    #[arg(long, default_value = "Cold start")]
    title: String,
    /// Directory of the sample events (`<function>.json`).
    #[arg(long, default_value = "events")]
    events: PathBuf,
    /// Append each function's stdout and stderr to `<dir>/<function>.log` (default: discarded).
    #[arg(long)]
    log_dir: Option<PathBuf>,
    /// Only these functions (comma-separated); hello-world, the baseline, always runs.
    #[arg(long, value_delimiter = ',')]
    functions: Vec<String>,
    /// Print the binaries the bench runs, one per line, and exit (the script builds just those).
    #[arg(long)]
    list: bool,
}

/// A function under test: its binary's name and what a sane response looks like. Its event is its sample,
/// `events/<name>.json` (`{}` for the baseline).
#[derive(Clone, Copy)]
struct Function {
    name: &'static str,
    /// Rewrites what must differ between invocations (e.g. job ids, or the worker skips duplicates).
    refresh: fn(&mut Value),
    check: fn(event: &Value, response: &Value) -> Result<(), String>,
}

/// The functions measured with a check of their own (what their response must contain); every other function of
/// the route table is measured too, with `any_function` (see `functions`).
static CHECKED: [Function; 6] = [
    Function {
        name: BASELINE,
        refresh: |_| {},
        check: |event, response| {
            if response == event { Ok(()) } else { Err("hello-world must echo its event".into()) }
        },
    },
    Function {
        name: shared::routes::SYSTEM_HEALTH.name,
        refresh: |_| {},
        check: |_, response| {
            if response["statusCode"] != 200 {
                return Err("expected an API Gateway response with statusCode 200".into());
            }
            let body = response["body"].as_str().unwrap_or_default();
            match serde_json::from_str::<Value>(body) {
                Ok(Value::Object(_)) => Ok(()),
                _ => Err("expected a JSON object as the response body".into()),
            }
        },
    },
    Function {
        // A customer endpoint: the rate-limit increment in Redis, then a DynamoDB index query.
        name: shared::routes::ORDERS_LIST.name,
        // A new customer per call: one customer's 60 calls a minute would otherwise end the bench in 429s.
        refresh: |event| event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = Value::String(uuid()),
        check: |_, response| {
            if response["statusCode"] != 200 {
                return Err(format!("expected statusCode 200, got {}", response["statusCode"]));
            }
            let body = response["body"].as_str().unwrap_or_default();
            match serde_json::from_str::<Value>(body) {
                Ok(body) if body["data"]["orders"].is_array() => Ok(()),
                _ => Err("expected a page of orders as the response body".into()),
            }
        },
    },
    Function {
        // Pusher's channel authorisation: the sample's caller signs into their own channel, outside the envelope.
        name: shared::routes::BROADCASTING_AUTH.name,
        refresh: |_| {},
        check: |_, response| {
            let body = response["body"].as_str().unwrap_or_default();
            match serde_json::from_str::<Value>(body) {
                Ok(body) if response["statusCode"] == 200 && body["auth"].is_string() => Ok(()),
                _ => Err(format!("expected 200 with Pusher's {{\"auth\"}}, got {response}")),
            }
        },
    },
    Function {
        name: shared::routes::SYSTEM_HEALTH_CHECK.name,
        refresh: |_| {},
        check: |_, response| {
            if response["status"].is_string() && response["cached_as"].is_string() {
                Ok(())
            } else {
                Err("expected a summary with `status` and `cached_as`".into())
            }
        },
    },
    Function {
        name: shared::routes::QUEUE_WORKER.name,
        refresh: fresh_sqs_ids,
        check: |_, response| {
            if *response == json!({ "batchItemFailures": [] }) {
                Ok(())
            } else {
                Err("expected {\"batchItemFailures\":[]}".into())
            }
        },
    },
];

/// Every function of the route table, hello-world first: the `CHECKED` ones with their checks, the others on
/// their `events/` sample with the check any function of their kind must pass.
fn functions() -> Vec<Function> {
    let mut functions: Vec<Function> = CHECKED.to_vec();
    for spec in shared::routes::FUNCTIONS {
        if functions.iter().any(|f| f.name == spec.name) {
            continue;
        }
        let function = match spec.trigger {
            shared::routes::Trigger::Http { .. } => {
                Function { name: spec.name, refresh: new_caller, check: answered_in_the_envelope }
            }
            shared::routes::Trigger::Schedule { .. } => Function {
                name: spec.name,
                refresh: |_| {},
                check: |_, response| {
                    if response.is_object() { Ok(()) } else { Err("expected a summary object".into()) }
                },
            },
            shared::routes::Trigger::Worker { .. } => continue,
            // Answered with a status, as API Gateway reads it (the management API does not exist here, so the
            // message route's answer to its ping cannot be posted: its status says so, which is not measured).
            shared::routes::Trigger::WebSocket { .. } => Function {
                name: spec.name,
                refresh: |_| {},
                check: |_, response| {
                    if response["statusCode"].is_number() { Ok(()) } else { Err("expected a statusCode".into()) }
                },
            },
            // A new user per call: the same one would be registered once and found registered after.
            shared::routes::Trigger::UserPool { .. } => Function {
                name: spec.name,
                refresh: |event| {
                    let user = uuid();
                    event["userName"] = Value::String(user.clone());
                    event["request"]["userAttributes"]["sub"] = Value::String(user.clone());
                    event["request"]["userAttributes"]["email"] = Value::String(format!("{user}@example.com"));
                },
                check: |_, response| {
                    if response["request"].is_object() { Ok(()) } else { Err("expected the event back".into()) }
                },
            },
        };
        functions.push(function);
    }
    functions
}

/// A new caller per call (the same groups): one caller's 60 calls a minute would otherwise end the bench in 429s.
fn new_caller(event: &mut Value) {
    if let Some(claims) = event.pointer_mut("/requestContext/authorizer/jwt/claims") {
        claims["sub"] = Value::String(uuid());
    }
}

/// What every HTTP function must answer on its sample event against an empty table: the envelope, and no
/// server error (a fresh caller is an unknown customer, so a 404 or a 422 is a sane answer; the path from the
/// edge through the service to the store has run either way).
fn answered_in_the_envelope(_: &Value, response: &Value) -> Result<(), String> {
    let status = response["statusCode"].as_u64().ok_or("expected an API Gateway response with a statusCode")?;
    if status >= 500 {
        return Err(format!("a server error: {response}"));
    }
    let body = response["body"].as_str().unwrap_or_default();
    match serde_json::from_str::<Value>(body) {
        Ok(body) if body["success"].is_boolean() => Ok(()),
        _ => Err(format!("expected the envelope as the body, got {body}")),
    }
}

fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// New message, job and payload ids in every record: the worker claims each job id once, so a repeated id
/// would measure its duplicate-skipping path instead of the job.
fn fresh_sqs_ids(event: &mut Value) {
    let Some(records) = event.get_mut("Records").and_then(Value::as_array_mut) else {
        return;
    };
    for record in records {
        record["messageId"] = Value::String(uuid());
        let Some(Ok(mut job)) = record["body"].as_str().map(serde_json::from_str::<Value>) else {
            continue;
        };
        if job.get("id").is_some() {
            job["id"] = Value::String(uuid());
        }
        if let Some(payload) = job.get_mut("payload")
            && payload.get("id").is_some()
        {
            payload["id"] = Value::String(uuid());
        }
        record["body"] = Value::String(job.to_string());
    }
}

/// A function ready to run: binary found, event loaded.
struct Target {
    function: Function,
    binary: PathBuf,
    size: u64,
    stripped: bool,
    event: Value,
}

impl Target {
    fn invocation(&self) -> (Invocation, Value) {
        let mut event = self.event.clone();
        (self.function.refresh)(&mut event);
        let invocation = Invocation { id: uuid(), body: Bytes::from(event.to_string()) };
        (invocation, event)
    }
}

/// One cold start and its warm invocations.
struct Sample {
    init: Duration,
    first_response: Duration,
    warm: Vec<Duration>,
    peak_rss_kib: u64,
}

/// A response, and when it came.
struct Responded {
    body: Bytes,
    at: Instant,
    handed_out: Instant,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.list {
        for function in functions() {
            println!("{}", function.name);
        }
        return ExitCode::SUCCESS;
    }
    default_env();
    // One thread: the bench's own work stays off the cores the function's runtime uses as far as it can.
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("cold-start: cannot start tokio: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!();
            eprintln!("==================== COLD-START BENCH FAILED ====================");
            eprintln!("{e}");
            eprintln!("=================================================================");
            ExitCode::FAILURE
        }
    }
}

/// The environment of `scripts/test-services.sh env`, for what is not set: the bench talks to the local
/// emulators only, never to AWS.
fn default_env() {
    let defaults = [
        ("TEST_REDIS_URL", "redis://127.0.0.1:16379/0"),
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:15000"),
        ("AWS_REGION", "eu-west-1"),
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
    ];
    for (name, value) in defaults {
        if std::env::var_os(name).is_none() {
            // SAFETY: called from `main` before the runtime or any other thread exists.
            unsafe { std::env::set_var(name, value) };
        }
    }
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_default()
}

async fn run(args: Args) -> Result<(), String> {
    if args.runs == 0 {
        return Err("--runs must be at least 1".into());
    }
    let targets = load_targets(&args)?;
    let redis_url = env("TEST_REDIS_URL");
    let endpoint = env("AWS_ENDPOINT_URL");
    reachable("Redis", &redis_url, 6379).await?;
    reachable("moto (DynamoDB + SQS)", &endpoint, 80).await?;

    let stamp = format!(
        "{}-{}",
        SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs(),
        std::process::id()
    );
    let table = format!("bench-cold-start-{stamp}");
    let queue_prefix = format!("bench-{stamp}");
    let sdk = shared::adapters::aws::sdk_config().await;
    let dynamo = aws_sdk_dynamodb::Client::new(&sdk);
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let not_provisioned = |e: shared::error::PortError| {
        format!(
            "cannot create the bench's table and queues on {endpoint}: {e}\nIs moto running? Start the emulators with `scripts/test-services.sh start`."
        )
    };
    create_table(&dynamo, &table).await.map_err(not_provisioned)?;
    let queues = create_queues(&sqs, &queue_prefix).await.map_err(not_provisioned)?;
    eprintln!("[bench] table {table}, queues {queue_prefix}-*, on {endpoint}; Redis {redis_url}");

    let mut base_env: Vec<(String, String)> = [
        ("PATH", "/usr/local/bin:/usr/bin:/bin".to_owned()),
        ("LANG", "en_US.UTF-8".to_owned()),
        ("TZ", ":UTC".to_owned()),
        ("RUST_LOG", "warn".to_owned()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256".to_owned()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".to_owned()),
        ("AWS_EXECUTION_ENV", "AWS_Lambda_provided.al2023".to_owned()),
        ("AWS_REGION", env("AWS_REGION")),
        ("AWS_DEFAULT_REGION", env("AWS_REGION")),
        ("AWS_ACCESS_KEY_ID", env("AWS_ACCESS_KEY_ID")),
        ("AWS_SECRET_ACCESS_KEY", env("AWS_SECRET_ACCESS_KEY")),
        ("AWS_ENDPOINT_URL", endpoint.clone()),
        ("TABLE_NAME", table.clone()),
        ("REDIS_URL", redis_url.clone()),
        ("CACHE_PREFIX", format!("bench-{stamp}:")),
        // The real-time functions' management API (nothing answers it here) and Pusher app.
        ("WEBSOCKET_API_ENDPOINT", "http://127.0.0.1:9".to_owned()),
        ("PUSHER_APP_KEY", "bench".to_owned()),
        ("PUSHER_APP_SECRET", "bench-secret".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    for queue in QueueRef::all() {
        let url = queues
            .0
            .get(&queue)
            .cloned()
            .ok_or_else(|| format!("provisioning returned no URL for queue {}", queue.name()))?;
        base_env.push((QueueUrls::env_var(queue), url));
    }

    let result = measure(&args, &targets, &base_env).await;

    // Best effort: moto keeps everything in memory until it stops.
    let _ = dynamo.delete_table().table_name(&table).send().await;
    for url in queues.0.values() {
        let _ = sqs.delete_queue().queue_url(url).send().await;
    }

    let samples = result?;
    let markdown = report(&args, &targets, &samples);
    print!("{markdown}");
    if let Some(path) = &args.output {
        std::fs::write(path, &markdown).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        eprintln!("[bench] table written to {}", path.display());
    }
    Ok(())
}

fn load_targets(args: &Args) -> Result<Vec<Target>, String> {
    let functions = functions();
    for name in &args.functions {
        if !functions.iter().any(|f| f.name == name) {
            return Err(format!("unknown function `{name}`"));
        }
    }
    let mut targets = Vec::new();
    for function in functions {
        if function.name != BASELINE && !args.functions.is_empty() && !args.functions.iter().any(|n| n == function.name)
        {
            continue;
        }
        let binary = args.bin_dir.join(function.name);
        let bytes = std::fs::read(&binary).map_err(|e| {
            format!(
                "cannot read {}: {e}\nBuild the release binaries first: cargo build --release -p functions \
                 (with CARGO_TARGET_DIR matching --bin-dir), or run scripts/bench-cold-start.sh.",
                binary.display()
            )
        })?;
        let stripped = !bytes.windows(8).any(|w| w == b".symtab\0");
        let event = match function.name {
            BASELINE => json!({}),
            name => {
                let path = args.events.join(format!("{name}.json"));
                let text =
                    std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", path.display()))?
            }
        };
        targets.push(Target {
            function,
            binary: std::fs::canonicalize(&binary).unwrap_or(binary),
            size: bytes.len() as u64,
            stripped,
            event,
        });
    }
    Ok(targets)
}

/// Fails, naming `scripts/test-services.sh start`, when nothing listens at the URL's host and port.
async fn reachable(what: &str, url: &str, default_port: u16) -> Result<(), String> {
    let authority = url.split_once("://").map_or(url, |(_, rest)| rest).split(['/', '?']).next().unwrap_or_default();
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let address = if authority.contains(':') { authority.to_owned() } else { format!("{authority}:{default_port}") };
    let connect = tokio::net::TcpStream::connect(&address);
    match tokio::time::timeout(Duration::from_secs(2), connect).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(format!(
            "{what} is not reachable at {address} ({url}): {e}\nStart the emulators with `scripts/test-services.sh start`."
        )),
        Err(_) => Err(format!(
            "{what} did not answer at {address} ({url}) within 2 s\nStart the emulators with `scripts/test-services.sh start`."
        )),
    }
}

/// Round 0 is a warm-up (page cache, moto's first requests) and is discarded; the functions take turns in
/// every round so that drift in the machine's load spreads evenly over them.
async fn measure(args: &Args, targets: &[Target], base_env: &[(String, String)]) -> Result<Vec<Vec<Sample>>, String> {
    if let Some(dir) = &args.log_dir {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let mut samples: Vec<Vec<Sample>> = targets.iter().map(|_| Vec::new()).collect();
    for round in 0..=args.runs {
        for (target, samples) in targets.iter().zip(&mut samples) {
            let sample = cold_start(args, target, base_env).await.map_err(|e| {
                let logs = match &args.log_dir {
                    Some(dir) => format!("its output: {}", dir.join(format!("{}.log", target.function.name)).display()),
                    None => "rerun with --log-dir DIR to keep its output".to_owned(),
                };
                format!("{} (round {round}): {e}\n({logs})", target.function.name)
            })?;
            eprintln!(
                "[bench] {}{:<20} init {:>8} first {:>8} warm p50 {:>8} rss {:>6.1} MB",
                if round == 0 { "warm-up " } else { "" },
                target.function.name,
                ms(sample.init),
                ms(sample.first_response),
                ms(percentile(&sample.warm, 0.5)),
                sample.peak_rss_kib as f64 * 1024.0 / 1e6,
            );
            if round > 0 {
                samples.push(sample);
            }
        }
    }
    Ok(samples)
}

fn output_to(args: &Args, name: &str) -> Result<(Stdio, Stdio), String> {
    let Some(dir) = &args.log_dir else {
        return Ok((Stdio::null(), Stdio::null()));
    };
    let path = dir.join(format!("{name}.log"));
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let err = file.try_clone().map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    Ok((Stdio::from(file), Stdio::from(err)))
}

async fn cold_start(args: &Args, target: &Target, base_env: &[(String, String)]) -> Result<Sample, String> {
    let name = target.function.name;
    let mut emulator =
        Emulator::start(name).await.map_err(|e| format!("cannot start the Runtime API emulator: {e}"))?;
    let (stdout, stderr) = output_to(args, name)?;
    let mut command = Command::new(&target.binary);
    command
        .env_clear()
        .envs(base_env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("AWS_LAMBDA_RUNTIME_API", emulator.runtime_api())
        .env("AWS_LAMBDA_FUNCTION_NAME", name)
        .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
        .env("AWS_LAMBDA_LOG_STREAM_NAME", format!("2026/01/01/[$LATEST]{}", uuid::Uuid::new_v4().simple()))
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .kill_on_drop(true);

    // As in Lambda, the event is waiting when the process starts: its first poll returns at once.
    let (first, first_event) = target.invocation();
    emulator.invoke(first.clone());
    let spawned = Instant::now();
    let mut child = command.spawn().map_err(|e| format!("cannot start {}: {e}", target.binary.display()))?;
    let pid = child.id().ok_or("the process exited at once")?;

    let mut first_poll = None;
    let response = wait_for(&mut emulator, &mut child, &first.id, &mut first_poll).await?;
    check(target, &first, &first_event, &response.body)?;
    let init = first_poll.ok_or("responded without polling")? - spawned;
    let first_response = response.at - spawned;

    let mut warm = Vec::with_capacity(args.warm);
    for _ in 0..args.warm {
        let (invocation, event) = target.invocation();
        emulator.invoke(invocation.clone());
        let response = wait_for(&mut emulator, &mut child, &invocation.id, &mut first_poll).await?;
        check(target, &invocation, &event, &response.body)?;
        warm.push(response.at - response.handed_out);
    }

    let peak_rss_kib = vm_hwm_kib(pid)?;
    let _ = child.start_kill();
    let _ = child.wait().await;
    Ok(Sample { init, first_response, warm, peak_rss_kib })
}

/// Waits for the response to invocation `id`; an error report, an exit or silence is a bench failure.
async fn wait_for(
    emulator: &mut Emulator,
    child: &mut Child,
    id: &str,
    first_poll: &mut Option<Instant>,
) -> Result<Responded, String> {
    let deadline = tokio::time::Instant::now() + WAIT;
    let mut handed_out = None;
    loop {
        tokio::select! {
            report = emulator.next_report() => match report {
                Some(Report::Polled(at)) => {
                    first_poll.get_or_insert(at);
                }
                Some(Report::HandedOut { id: given, at }) if given == id => handed_out = Some(at),
                Some(Report::HandedOut { id: given, .. }) => {
                    return Err(format!("handed out invocation {given} while waiting for {id}"));
                }
                Some(Report::Responded { id: answered, at, body }) if answered == id => {
                    let handed_out = handed_out.ok_or("responded before the event was handed out")?;
                    return Ok(Responded { body, at, handed_out });
                }
                Some(Report::Responded { id: answered, .. }) => {
                    return Err(format!("responded to unknown invocation {answered}"));
                }
                Some(Report::Failed { id: failed, body }) => {
                    return Err(format!(
                        "INVOCATION ERROR: the function reported an error for invocation {failed}: {}",
                        String::from_utf8_lossy(&body)
                    ));
                }
                Some(Report::InitFailed { body }) => {
                    return Err(format!("INIT ERROR: {}", String::from_utf8_lossy(&body)));
                }
                Some(Report::Unexpected { method, path }) => {
                    return Err(format!("unexpected Runtime API call {method} {path}"));
                }
                None => return Err("the Runtime API emulator stopped".into()),
            },
            status = child.wait() => {
                let status = status.map_or_else(|e| e.to_string(), |s| s.to_string());
                return Err(format!("the process exited ({status}) before responding to invocation {id}"));
            }
            () = tokio::time::sleep_until(deadline) => {
                return Err(format!("no response to invocation {id} within {} s", WAIT.as_secs()));
            }
        }
    }
}

fn check(target: &Target, invocation: &Invocation, event: &Value, body: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(body);
    let verdict = match serde_json::from_slice::<Value>(body) {
        Ok(response) => (target.function.check)(event, &response),
        Err(e) => Err(format!("the response is not JSON: {e}")),
    };
    verdict.map_err(|why| {
        let shown: String = text.chars().take(600).collect();
        format!("BAD RESPONSE to invocation {}: {why}\nresponse: {shown}", invocation.id)
    })
}

/// Peak resident set size (`VmHWM`) of a live process, in KiB.
fn vm_hwm_kib(pid: u32) -> Result<u64, String> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| format!("no VmHWM in {path}"))
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 { sorted[n / 2] } else { (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0 }
}

/// Nearest-rank percentile.
fn percentile(values: &[Duration], p: f64) -> Duration {
    let mut sorted = values.to_vec();
    sorted.sort();
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn ms(duration: Duration) -> String {
    format_ms(duration.as_secs_f64() * 1000.0)
}

fn format_ms(ms: f64) -> String {
    if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else if ms >= 10.0 {
        format!("{ms:.1} ms")
    } else if ms >= 1.0 {
        format!("{ms:.2} ms")
    } else {
        format!("{ms:.3} ms")
    }
}

fn format_mb(bytes: f64) -> String {
    format!("{:.2} MB", bytes / 1e6)
}

/// The figures of one function, medians over its cold starts.
struct Summary {
    init_ms: f64,
    init_min_ms: f64,
    init_max_ms: f64,
    first_ms: f64,
    /// The first invocation's time over the warm p50 of its own instance: what init left for the first
    /// request (connections, anything built lazily).
    first_extra_ms: f64,
    warm_p50_ms: f64,
    warm_p99_ms: f64,
    rss_bytes: f64,
    size_bytes: f64,
}

fn summarise(target: &Target, samples: &[Sample]) -> Summary {
    let millis = |d: Duration| d.as_secs_f64() * 1000.0;
    let inits: Vec<f64> = samples.iter().map(|s| millis(s.init)).collect();
    let warm: Vec<Duration> = samples.iter().flat_map(|s| s.warm.iter().copied()).collect();
    Summary {
        init_ms: median(&inits),
        init_min_ms: inits.iter().copied().fold(f64::INFINITY, f64::min),
        init_max_ms: inits.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        first_ms: median(&samples.iter().map(|s| millis(s.first_response)).collect::<Vec<_>>()),
        first_extra_ms: median(
            &samples
                .iter()
                .filter(|s| !s.warm.is_empty())
                .map(|s| millis(s.first_response - s.init) - millis(percentile(&s.warm, 0.5)))
                .collect::<Vec<_>>(),
        ),
        warm_p50_ms: millis(percentile(&warm, 0.5)),
        warm_p99_ms: millis(percentile(&warm, 0.99)),
        rss_bytes: median(&samples.iter().map(|s| s.peak_rss_kib as f64 * 1024.0).collect::<Vec<_>>()),
        size_bytes: target.size as f64,
    }
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|l| l.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

fn report(args: &Args, targets: &[Target], samples: &[Vec<Sample>]) -> String {
    let summaries: Vec<Summary> = targets.iter().zip(samples).map(|(t, s)| summarise(t, s)).collect();
    let base = &summaries[0];
    let ratio = |value: f64, baseline: f64| format!("{:.2}×", value / baseline);
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let load = bench::load_average();

    let mut out = String::new();
    let _ = writeln!(out, "### {}\n", args.title);
    let _ = writeln!(
        out,
        "Binaries: `{}`; {} ({} CPUs, {}), Linux {}; load average (1, 5, 15 min) at the end: {}. \
         {} cold starts per function after one discarded warm-up round, {} warm invocations after each. \
         Init, first response and peak RSS: median of the cold starts (init min–max beside it); first \
         invocation over warm: the first invocation's time less its instance's warm p50, median of the cold \
         starts; warm p50 and p99: over all {} warm invocations. Ratios are to hello-world.\n",
        args.bin_dir.display(),
        cpu_model(),
        cores,
        std::env::consts::ARCH,
        kernel.trim(),
        load,
        args.runs,
        args.warm,
        args.runs * args.warm,
    );
    let _ = writeln!(
        out,
        "| Function | Init | Init min–max | First response | First invocation over warm | Warm p50 | Warm p99 | Binary (stripped) | Peak RSS | Init ≤ {INIT_RATIO_TARGET}× | Binary ≤ 8 MB |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|:---:|:---:|");
    for (target, s) in targets.iter().zip(&summaries) {
        let is_base = target.function.name == BASELINE;
        let init_ratio = s.init_ms / base.init_ms;
        let init_ok = if is_base {
            "baseline".to_owned()
        } else if init_ratio <= INIT_RATIO_TARGET {
            "yes".to_owned()
        } else {
            "**no**".to_owned()
        };
        let size_ok = if target.size <= SIZE_TARGET { "yes" } else { "**no**" };
        let _ = writeln!(
            out,
            "| {} | {} ({}) | {}–{} | {} ({}) | {} | {} ({}) | {} ({}) | {}{} ({}) | {} ({}) | {} | {} |",
            target.function.name,
            format_ms(s.init_ms),
            ratio(s.init_ms, base.init_ms),
            format_ms(s.init_min_ms),
            format_ms(s.init_max_ms),
            format_ms(s.first_ms),
            ratio(s.first_ms, base.first_ms),
            format_ms(s.first_extra_ms),
            format_ms(s.warm_p50_ms),
            ratio(s.warm_p50_ms, base.warm_p50_ms),
            format_ms(s.warm_p99_ms),
            ratio(s.warm_p99_ms, base.warm_p99_ms),
            format_mb(s.size_bytes),
            if target.stripped { "" } else { " (NOT stripped)" },
            ratio(s.size_bytes, base.size_bytes),
            format_mb(s.rss_bytes),
            ratio(s.rss_bytes, base.rss_bytes),
            init_ok,
            size_ok,
        );
    }
    out
}
