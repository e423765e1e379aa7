//! The system health check: every figure is measured on this call — no constant stands in for a reading.
//!
//! Store down → critical (nothing works without it). Cache or queue down, a slow dependency, a large backlog
//! or dead-lettered jobs → degraded, or critical past the higher thresholds (the original's numbers).

use cache::StoreName;
use chrono::{DateTime, Utc};
use proxy_core::error::{Backend, PortResult};
use serde::Serialize;
use std::time::{Duration, Instant};

platform::env!(
    /// What the health check probes: the store, the cache and the queues (and which backend it reports).
    HealthEnv: queues::QueuesEnv, platform::deps::HasBackendName, platform::deps::HasPanel
);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    Healthy,
    Degraded,
    Critical,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DependencyState {
    Up,
    Slow,
    Down,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DependencyHealth {
    pub name: Backend,
    pub state: DependencyState,
    /// Wall time of the probe (for queues: the slowest queue's attribute read).
    pub latency_ms: f64,
    /// Why it is not up, in words for an operator.
    pub detail: Option<String>,
    /// The server and its version and mode, when it says (the cache: `redis 7.2.4, standalone`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueDepth {
    pub queue: String,
    pub visible: u64,
    pub in_flight: u64,
    pub delayed: u64,
    pub dead_lettered: u64,
    /// The most workers allowed at once (None: unknown, or unlimited).
    pub max_concurrency: Option<u32>,
    /// From the workers' metrics (None when they could not be read).
    pub jobs_past_hour: Option<u64>,
    /// Jobs that failed their last attempt, in the past hour (against `jobs_past_hour`: the failure rate) and week.
    pub failed_past_hour: Option<u64>,
    pub failed_past_7_days: Option<u64>,
    /// The longest a job run in the past five minutes waited for a worker (what stands for the oldest message's
    /// age: SQS gives that to CloudWatch only).
    pub longest_wait_seconds: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub status: HealthStatus,
    pub message: String,
    /// Which condition it is (`store`, `queue:high:backlog`, `check:servers`): each has an alert of its own while
    /// it lasts (`scheduled`).
    pub condition: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HealthReport {
    pub status: HealthStatus,
    pub checked_at: DateTime<Utc>,
    pub backend: &'static str,
    pub dependencies: Vec<DependencyHealth>,
    pub queues: Vec<QueueDepth>,
    /// The data checks (servers, application, cache, storage), each with its figures and finding.
    pub checks: Vec<crate::checks::CheckResult>,
    /// Every reason the status is not healthy.
    pub findings: Vec<Finding>,
    pub duration_ms: f64,
}

/// Thresholds of the check; defaults are the original's.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthThresholds {
    /// A dependency answering slower than this is `slow` (the original: database > 1 s).
    pub slow: Duration,
    pub backlog_warning: u64,
    pub backlog_critical: u64,
    /// The `high` queue hurts customers sooner.
    pub high_backlog_warning: u64,
    pub dead_letter_warning: u64,
    pub dead_letter_critical: u64,
    /// Fewer servers than this `up` (when some are not) is degraded; none up is critical (the original's).
    pub servers_up_warning: u64,
    /// This many servers in the critical capacity band is degraded.
    pub critical_band_servers_warning: u64,
    /// Panels probed per run (a different slice each run); any that does not answer is degraded.
    pub panel_probes: usize,
    /// A paid order still `new` after this long was not dispatched to provisioning.
    pub new_order_stuck_after: Duration,
    /// An order `processing` for longer than this has a provisioning that stalled.
    pub processing_stuck_after: Duration,
    /// A function with fewer requests than this in the last five minutes is not judged on its errors or latency.
    pub requests_judged: u64,
    /// A function answering more than this share of its requests with a server error (5xx) is degraded; more
    /// than the critical share, critical.
    pub server_error_rate_warning: f64,
    pub server_error_rate_critical: f64,
    /// A function whose p95 latency over the last five minutes is above this is degraded (milliseconds).
    pub p95_warning_ms: u64,
    /// Orders of the last hour in dispute (failed): any is degraded, more than the critical number critical
    /// (the original's > 0 and > 10).
    pub disputes_per_hour_critical: u64,
    /// A cache store read from less often than this in an hour has no hit rate worth judging.
    pub cache_reads_judged: u64,
    /// A store's hit rate over the last hour below this is degraded (the original's 70 %).
    pub cache_hit_rate_warning: f64,
    /// Redis's memory used over `maxmemory`: degraded above the first, critical above the second (percent).
    pub cache_memory_warning_percent: u64,
    pub cache_memory_critical_percent: u64,
    /// The table past this size is degraded: a cost to look at, not an outage (DynamoDB has no limit).
    pub table_size_warning_bytes: u64,
    /// More calls than this throttled by the table in the last five minutes is degraded (the SDK retries a throttled
    /// call, so a few are slowness, many are a capacity problem).
    pub table_throttled_warning: u64,
    /// A function's `/tmp` (Lambda's ephemeral storage, 512 MB unless the template says otherwise) and the
    /// share of it in use that is degraded.
    pub tmp_limit_bytes: u64,
    pub tmp_used_warning_percent: u64,
}

impl HealthThresholds {
    /// The queue service's thresholds with these backlogs and dead-letter counts (its waits' limits as it has them).
    pub fn queues(&self) -> queues::health::QueueThresholds {
        queues::health::QueueThresholds {
            backlog_warning: self.backlog_warning,
            backlog_critical: self.backlog_critical,
            high_backlog_warning: self.high_backlog_warning,
            dead_letters_warning: self.dead_letter_warning,
            dead_letters_critical: self.dead_letter_critical,
            ..queues::health::QueueThresholds::default()
        }
    }
}

impl Default for HealthThresholds {
    fn default() -> Self {
        Self {
            slow: Duration::from_secs(1),
            backlog_warning: 500,
            backlog_critical: 1000,
            high_backlog_warning: 100,
            dead_letter_warning: 50,
            dead_letter_critical: 100,
            servers_up_warning: 3,
            critical_band_servers_warning: 1,
            panel_probes: 32,
            new_order_stuck_after: Duration::from_secs(10 * 60),
            processing_stuck_after: Duration::from_secs(15 * 60),
            disputes_per_hour_critical: 10,
            requests_judged: 20,
            server_error_rate_warning: 0.05,
            server_error_rate_critical: 0.25,
            p95_warning_ms: 1000,
            cache_reads_judged: 100,
            cache_hit_rate_warning: 0.7,
            cache_memory_warning_percent: 80,
            cache_memory_critical_percent: 95,
            table_size_warning_bytes: 10 * 1024 * 1024 * 1024,
            table_throttled_warning: 10,
            tmp_limit_bytes: 512 * 1024 * 1024,
            tmp_used_warning_percent: 80,
        }
    }
}

/// A dependency as a finding names it.
fn finding_name(backend: Backend) -> &'static str {
    match backend {
        Backend::Store => "store",
        Backend::Cache => "cache",
        Backend::Queue => "queues",
        Backend::Panel => "panel",
        Backend::Workers => "worker pool",
        Backend::Mail => "mail",
        Backend::Logs => "logs",
        Backend::Connections => "connections",
    }
}

fn millis(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0 * 100.0).round() / 100.0
}

async fn timed<T>(probe: impl std::future::Future<Output = PortResult<T>>) -> (Duration, PortResult<T>) {
    let started = Instant::now();
    let result = probe.await;
    (started.elapsed(), result)
}

fn dependency(name: Backend, elapsed: Duration, error: Option<String>, slow: Duration) -> DependencyHealth {
    let state = match (&error, elapsed > slow) {
        (Some(_), _) => DependencyState::Down,
        (None, true) => DependencyState::Slow,
        (None, false) => DependencyState::Up,
    };
    let detail =
        error.or_else(|| (state == DependencyState::Slow).then(|| format!("answered in {} ms", millis(elapsed))));
    DependencyHealth { name, state, latency_ms: millis(elapsed), detail, server: None }
}

pub async fn check(ctx: &impl HealthEnv, thresholds: &HealthThresholds) -> HealthReport {
    let started = Instant::now();
    let checked_at = ctx.clock().now();
    // The cache's server says what it is (one INFO, beside the ping that times it).
    let cache_server = async {
        match ctx.tiered_cache().shared(StoreName::Default) {
            Some(store) => store.server_info().await.ok(),
            None => None,
        }
    };
    // The queues as the queue service sees them: every queue's and dead-letter queue's depth, each queue's worker
    // limit (Lambda's event source mappings: unreachable from the functions' subnets, autoscaling could not move
    // a limit, and that shows here), and the workers' own metrics (waits, jobs run, failures).
    let queue_stats = timed(queues::queue_stats(ctx));
    // The worker pool's API on its own (one limit read), so that its state is its own and not the queues'.
    let workers_probe = timed(ctx.workers().max_concurrency(proxy_core::domain::Priority::High));
    let (probes, servers, application) = tokio::join!(
        async {
            tokio::join!(
                timed(ctx.stores().ping()),
                timed(ctx.cache().ping()),
                cache_server,
                queue_stats,
                workers_probe
            )
        },
        crate::checks::servers(ctx, thresholds, checked_at),
        crate::checks::application(ctx, thresholds, checked_at),
    );
    let ((store_time, store), (cache_time, cache), cache_server, (queue_time, stats), (workers_time, workers)) = probes;

    let mut findings = Vec::new();
    let store = dependency(Backend::Store, store_time, store.err().map(|e| e.to_string()), thresholds.slow);
    let mut cache = dependency(Backend::Cache, cache_time, cache.err().map(|e| e.to_string()), thresholds.slow);
    if let Some(server) = &cache_server {
        cache.server = Some(format!("{}, {}", server.version, server.mode));
        if let Some(reason) = server.unsupported_because() {
            findings.push(Finding {
                status: HealthStatus::Degraded,
                message: format!("The cache's server is not supported: {reason}."),
                condition: "cache:server".into(),
            });
        }
    }
    let queue = dependency(Backend::Queue, queue_time, stats.as_ref().err().map(|e| e.to_string()), thresholds.slow);
    let workers = dependency(Backend::Workers, workers_time, workers.err().map(|e| e.to_string()), thresholds.slow);

    for dep in [&store, &cache, &queue, &workers] {
        let status = match (dep.name, dep.state) {
            (_, DependencyState::Up) => continue,
            (Backend::Store, DependencyState::Down) => HealthStatus::Critical,
            _ => HealthStatus::Degraded,
        };
        let what = if dep.state == DependencyState::Down { "is unavailable" } else { "is slow" };
        let detail = dep.detail.clone().unwrap_or_default();
        let name = finding_name(dep.name);
        findings.push(Finding {
            status,
            message: format!("The {name} {what}: {detail}"),
            condition: name.replace(' ', "-"),
        });
    }

    let mut queues = Vec::new();
    if let Ok(stats) = &stats {
        let snapshots: Vec<queues::health::QueueSnapshot> = stats.queues.iter().map(|q| q.snapshot()).collect();
        let judged = queues::health::health_report(&snapshots, &thresholds.queues());
        for finding in judged.queues.iter().flat_map(|q| q.findings.iter().map(move |f| (q.queue, f))) {
            let (queue, finding) = finding;
            findings.push(Finding {
                status: match finding.status {
                    queues::health::QueueHealthStatus::Critical => HealthStatus::Critical,
                    _ => HealthStatus::Degraded,
                },
                message: format!("Queue {}. {}", finding.message, finding.recommendation),
                condition: format!("queue:{}:{}", queue.as_str(), finding.kind),
            });
        }
        queues = stats
            .queues
            .iter()
            .map(|q| QueueDepth {
                queue: q.queue.as_str().to_owned(),
                visible: q.visible,
                in_flight: q.in_flight,
                delayed: q.delayed,
                dead_lettered: q.dead_letters,
                max_concurrency: q.max_concurrency,
                jobs_past_hour: q.metrics.as_ref().map(|m| m.jobs_past_hour),
                failed_past_hour: q.metrics.as_ref().map(|m| m.failed_past_hour),
                failed_past_7_days: q.metrics.as_ref().map(|m| m.failed_past_7_days),
                longest_wait_seconds: q.metrics.as_ref().and_then(|m| m.longest_wait_seconds),
            })
            .collect();
    }

    let cache_check = crate::checks::cache(ctx, thresholds, cache_server.as_ref(), checked_at).await;
    let dead_letters = queues.iter().map(|q| q.dead_lettered).sum();
    let storage = crate::checks::storage(ctx, thresholds, dead_letters, crate::checks::lambda_tmp().as_deref()).await;
    let checks = vec![servers, application, cache_check, storage];
    findings.extend(checks.iter().filter_map(crate::checks::CheckResult::finding));
    let status = findings.iter().map(|f| f.status).max().unwrap_or(HealthStatus::Healthy);
    HealthReport {
        status,
        checked_at,
        backend: ctx.backend_name(),
        dependencies: vec![store, cache, queue, workers],
        queues,
        checks,
        findings,
        duration_ms: millis(started.elapsed()),
    }
}

/// The cache key the scheduled check writes and dashboards read.
pub const CACHE_KEY: &str = "realtime:system_health";
/// Twice the check's period: a dashboard read between one run and the next always finds the latest.
pub const CACHE_TTL: Duration = Duration::from_secs(600);
