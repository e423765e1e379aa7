//! `init-phases`: where a function's init goes. A cold start runs in a fresh process, so this runs itself again
//! and again as a child process; each child times, once, the steps a function's `main` takes before it asks
//! for its first event (`shared::runtime`): the log setup, the settings from the environment, the SDK
//! configuration, each AWS client, the Redis client and the panel client. The parent prints the median and
//! spread of each step (BENCHMARKS.md, "Cold start / where init goes"), with the SDK configuration built three
//! ways in alternate runs: the default chain (`aws_config::defaults().load()`), from Lambda's environment with
//! the platform's root certificates (the SDK's default HTTPS client), and from Lambda's environment with the
//! root certificates compiled in (`adapters::aws::lambda_sdk_config`, what the functions do).
//!
//! Nothing here touches the network (init makes no call; the clients connect on first use), so the child runs
//! with placeholder settings and Lambda's environment variables.

use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
use clap::Parser;
use shared::adapters::aws::{
    DynamoTable, LambdaWorkerPool, QueueUrls, RedisCache, RedisEndpoint, Secret, SqsQueue, lambda_sdk_config,
};
use shared::adapters::panel_http::{HttpPanelClient, PanelCredentials};
use shared::clock::SystemClock;
use shared::config::{AwsSettings, SecretSetting};
use shared::ports::QueueRef;
use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser, Debug)]
#[command(name = "init-phases", about = "Times each step of a Lambda function's init, over fresh processes")]
struct Args {
    /// Fresh processes to time (after one discarded warm-up).
    #[arg(long, default_value_t = 30)]
    runs: usize,
    /// Time the steps once in this process, building the SDK configuration this way, and print them as one
    /// JSON line (what each run does).
    #[arg(long, hide = true)]
    child: Option<SdkConfig>,
}

/// How the SDK configuration is built.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum SdkConfig {
    /// `aws_config::defaults(BehaviorVersion::latest()).load()`: every provider chain.
    DefaultChain,
    /// Region and credentials from the variables Lambda sets, with the SDK's default HTTPS client (the
    /// platform's root certificates, read from disk).
    LambdaEnvironmentPlatformRoots,
    /// `adapters::aws::lambda_sdk_config`: region and credentials from the variables Lambda sets, root
    /// certificates compiled in.
    LambdaEnvironment,
}

const WAYS: [SdkConfig; 3] =
    [SdkConfig::DefaultChain, SdkConfig::LambdaEnvironmentPlatformRoots, SdkConfig::LambdaEnvironment];

/// The steps, in the order `AppContext::aws` takes them.
const STEPS: [&str; 8] = [
    "logging setup",
    "settings from the environment",
    "SDK configuration",
    "DynamoDB client",
    "SQS client",
    "Lambda client",
    "Redis client (connect lazily)",
    "panel HTTP client",
];

fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(way) = args.child {
        return child(way);
    }
    if args.runs == 0 {
        eprintln!("init-phases: --runs must be at least 1");
        return ExitCode::FAILURE;
    }
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            eprintln!("init-phases: cannot find its own binary: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut runs: [Vec<Vec<Duration>>; 3] = Default::default();
    for run in 0..=args.runs {
        for (way, runs) in WAYS.iter().zip(runs.iter_mut()) {
            let way = clap::ValueEnum::to_possible_value(way).map(|v| v.get_name().to_owned()).unwrap_or_default();
            let output = lambda_like(Command::new(&exe)).args(["--child", &way]).output();
            let output = match output {
                Ok(output) if output.status.success() => output,
                Ok(output) => {
                    eprintln!("init-phases: a run failed: {}", String::from_utf8_lossy(&output.stderr));
                    return ExitCode::FAILURE;
                }
                Err(e) => {
                    eprintln!("init-phases: cannot run itself: {e}");
                    return ExitCode::FAILURE;
                }
            };
            let line = String::from_utf8_lossy(&output.stdout);
            let Some(line) = line.lines().last() else {
                eprintln!("init-phases: a run printed nothing");
                return ExitCode::FAILURE;
            };
            let nanos: Vec<u64> = match serde_json::from_str(line) {
                Ok(nanos) => nanos,
                Err(e) => {
                    eprintln!("init-phases: a run printed {line:?}: {e}");
                    return ExitCode::FAILURE;
                }
            };
            if run > 0 {
                runs.push(nanos.into_iter().map(Duration::from_nanos).collect());
            }
        }
    }
    print!("{}", table(&runs));
    ExitCode::SUCCESS
}

/// Lambda's environment for the child, with placeholder settings (`scripts/test-services.sh env`'s shape).
fn lambda_like(mut command: Command) -> Command {
    command.env_clear();
    let fixed = [
        ("PATH", "/usr/local/bin:/usr/bin:/bin"),
        ("TZ", ":UTC"),
        ("RUST_LOG", "warn"),
        ("AWS_LAMBDA_FUNCTION_NAME", "init-phases"),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256"),
        ("AWS_EXECUTION_ENV", "AWS_Lambda_provided.al2023"),
        ("AWS_REGION", "eu-west-1"),
        ("AWS_DEFAULT_REGION", "eu-west-1"),
        ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "secret"),
        ("AWS_SESSION_TOKEN", "token"),
        ("TABLE_NAME", "init-phases"),
        ("REDIS_URL", "redis://127.0.0.1:6379/0"),
    ];
    for (name, value) in fixed {
        command.env(name, value);
    }
    for queue in QueueRef::all() {
        command.env(QueueUrls::env_var(queue), format!("https://sqs.eu-west-1.amazonaws.com/1/{}", queue.name()));
    }
    command
}

/// One run: each step timed once, printed as nanoseconds in `STEPS`' order.
fn child(way: SdkConfig) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(time_steps(way)) {
        Ok(nanos) => {
            println!("{}", serde_json::json!(nanos));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

async fn time_steps(way: SdkConfig) -> Result<Vec<u64>, String> {
    let mut nanos = Vec::with_capacity(STEPS.len());
    let mut lap = Instant::now();
    let mut record = |nanos: &mut Vec<u64>| {
        nanos.push(lap.elapsed().as_nanos() as u64);
        lap = Instant::now();
    };
    shared::logging::init();
    record(&mut nanos);
    let settings = AwsSettings::from_env().map_err(|e| e.to_string())?;
    record(&mut nanos);
    let sdk = match way {
        SdkConfig::DefaultChain => aws_config::defaults(aws_config::BehaviorVersion::latest()).load().await,
        SdkConfig::LambdaEnvironmentPlatformRoots => {
            let config =
                lambda_sdk_config(shared::adapters::aws::environment_variables()).ok_or("not a Lambda environment")?;
            let default_https_client =
                aws_smithy_http_client::Builder::new().tls_provider(Provider::Rustls(CryptoMode::AwsLc)).build_https();
            config.into_builder().http_client(default_https_client).build()
        }
        SdkConfig::LambdaEnvironment => {
            lambda_sdk_config(shared::adapters::aws::environment_variables()).ok_or("not a Lambda environment")?
        }
    };
    record(&mut nanos);
    let table = DynamoTable::new(aws_sdk_dynamodb::Client::new(&sdk), &settings.table_name, Arc::new(SystemClock));
    record(&mut nanos);
    let queue = SqsQueue::new(aws_sdk_sqs::Client::new(&sdk), settings.queue_urls.clone());
    record(&mut nanos);
    let workers = LambdaWorkerPool::new(aws_sdk_lambda::Client::new(&sdk), settings.worker_mappings.clone());
    record(&mut nanos);
    let endpoint = RedisEndpoint::url(settings.redis_url.as_str());
    let cache = RedisCache::connect_lazily(endpoint, settings.cache_prefix.clone(), Arc::new(SystemClock))
        .map_err(|e| e.to_string())?;
    record(&mut nanos);
    let password = match &settings.panel_password {
        SecretSetting::Value(value) => Secret::value(value.as_str()),
        SecretSetting::SecretsManager(_) => return Err("the bench sets PANEL_PASSWORD, not a secret".into()),
    };
    let credentials = PanelCredentials { username: settings.panel_username.clone(), password };
    let panel = HttpPanelClient::new(credentials, settings.panel_scheme.clone()).map_err(|e| e.to_string())?;
    record(&mut nanos);
    drop((table, queue, workers, cache, panel));
    Ok(nanos)
}

fn table(runs: &[Vec<Vec<Duration>>; 3]) -> String {
    let mut out = format!(
        "{} fresh processes per column after one discarded warm-up, the columns' runs alternating; median \
         (min–max) of each step.\n\n| Step | SDK configuration from the default chain | from Lambda's environment, \
         platform's root certificates | from Lambda's environment, root certificates compiled in |\n|---|---:|---:|---:|\n",
        runs[0].len()
    );
    let cell = |times: &mut Vec<Duration>| {
        times.sort();
        format!("{} ({}–{})", ms(times[times.len() / 2]), ms(times[0]), ms(times[times.len() - 1]))
    };
    for (index, step) in STEPS.iter().enumerate() {
        let cells: Vec<String> =
            runs.iter().map(|runs| cell(&mut runs.iter().map(|run| run[index]).collect())).collect();
        out.push_str(&format!("| {step} | {} | {} | {} |\n", cells[0], cells[1], cells[2]));
    }
    let totals: Vec<String> =
        runs.iter().map(|runs| cell(&mut runs.iter().map(|run| run.iter().sum()).collect())).collect();
    out.push_str(&format!("| **all steps** | **{}** | **{}** | **{}** |\n", totals[0], totals[1], totals[2]));
    out
}

fn ms(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1000.0)
}
