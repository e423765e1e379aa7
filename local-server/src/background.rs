//! Schedules and queue workers, in process: schedules fire from the route table's expressions (the same ones
//! the template gives EventBridge Scheduler), and each worker drains its queues as the SQS event source would.

use shared::app::AppContext;
use shared::ports::QueueRef;
use shared::routes::{FUNCTIONS, FunctionSpec, Trigger};
use shared::schedule::Schedule;
use shared::worker::{JobRegistry, poll_once};
use std::sync::Arc;
use std::time::Duration;
use tracing::Instrument;

/// A failed message comes back after this long (SQS visibility timeout; shorter than in AWS so retries show).
const VISIBILITY: Duration = Duration::from_secs(10);

pub fn start(ctx: Arc<AppContext>) -> Result<Vec<tokio::task::JoinHandle<()>>, String> {
    let mut tasks = Vec::new();
    let registry = Arc::new(shared::worker::standard_registry());
    for spec in FUNCTIONS {
        match spec.trigger {
            Trigger::Schedule { expression } => {
                let schedule = Schedule::parse(expression).map_err(|e| format!("{}: {e}", spec.name))?;
                let ctx = ctx.clone();
                tasks.push(tokio::spawn(run_schedule(ctx, spec, schedule)));
            }
            Trigger::Worker { queues } => {
                for priority in queues {
                    let (ctx, registry) = (ctx.clone(), registry.clone());
                    tasks.push(tokio::spawn(run_worker(ctx, registry, spec.name, QueueRef::Main(*priority))));
                }
            }
            // The identity provider calls these; the gateway runs sign-up for a dev token's new subject.
            Trigger::Http { .. } | Trigger::UserPool { .. } | Trigger::WebSocket { .. } => {}
        }
    }
    tasks.push(tokio::spawn(flush_request_metrics(ctx.clone())));
    Ok(tasks)
}

/// How often the local run writes the request telemetry it holds. (In Lambda each instance writes its batch when
/// one is due at a request; one process serving every function here would otherwise hold a quiet minute's few
/// requests until the next busy one.)
const FLUSH_EVERY: Duration = Duration::from_secs(10);

async fn flush_request_metrics(ctx: Arc<AppContext>) {
    let mut ticks = tokio::time::interval(FLUSH_EVERY);
    loop {
        ticks.tick().await;
        ctx.flush_request_metrics().await;
    }
}

async fn run_schedule(ctx: Arc<AppContext>, spec: &'static FunctionSpec, schedule: Schedule) {
    let name = spec.name;
    loop {
        let now = ctx.clock.now();
        let Some(next) = schedule.next_after(now) else {
            return;
        };
        tokio::time::sleep((next - now).to_std().unwrap_or_default()).await;
        // The payload EventBridge Scheduler sends with the template's input.
        let payload = serde_json::json!({ "scheduled_time": next });
        let span = tracing::info_span!(target: "local", "function", name = spec.name);
        match shared::handlers::scheduled(spec, &ctx, payload).instrument(span).await {
            Some(Ok(summary)) => tracing::info!(function = name, %summary, "schedule ran"),
            Some(Err(error)) => tracing::error!(function = name, error, "schedule failed"),
            None => tracing::error!(function = name, "no scheduled handler"),
        }
    }
}

pub async fn run_worker(ctx: Arc<AppContext>, registry: Arc<JobRegistry>, name: &'static str, queue: QueueRef) {
    loop {
        let span = tracing::info_span!(target: "local", "function", name);
        match poll_once(&*ctx, &*registry, queue, Duration::from_secs(10), VISIBILITY).instrument(span).await {
            Ok(report) if !report.outcomes.is_empty() => {
                let failed = report.outcomes.iter().filter(|(_, o)| o.is_failure()).count();
                tracing::info!(
                    function = name,
                    queue = queue.name(),
                    received = report.outcomes.len(),
                    failed,
                    "batch"
                );
            }
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(function = name, queue = queue.name(), %error, "receive failed; retrying");
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        }
    }
}
