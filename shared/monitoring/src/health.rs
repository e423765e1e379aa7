//! The system health check: every figure is measured on this call — no constant stands in for a reading.
//!
//! Store down → critical (nothing works without it). Cache or queue down, a slow dependency, a large backlog
//! or dead-lettered jobs → degraded, or critical past the higher thresholds (the original's numbers).

use cache::StoreName;
use chrono::{DateTime, Utc};
use futures_util::future::join_all;
use proxy_core::error::{Backend, PortResult};
use proxy_core::ports::QueueRef;
use serde::Serialize;
use std::time::{Duration, Instant};

platform::env!(
    /// What the health check probes: the store, the cache and the queues (and which backend it reports).
    HealthEnv: platform::deps::HasClock, platform::deps::HasStores, platform::deps::HasQueue, platform::deps::HasCache, platform::deps::HasWorkers, platform::deps::HasBackendName, platform::deps::HasPanel, cache::HasTieredCache
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
    /// A function's `/tmp` (Lambda's ephemeral storage, 512 MB unless the template says otherwise) and the
    /// share of it in use that is degraded.
    pub tmp_limit_bytes: u64,
    pub tmp_used_warning_percent: u64,
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
            cache_reads_judged: 100,
            cache_hit_rate_warning: 0.7,
            cache_memory_warning_percent: 80,
            cache_memory_critical_percent: 95,
            table_size_warning_bytes: 10 * 1024 * 1024 * 1024,
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
    let queue_probes = join_all(QueueRef::all().map(|q| async move { (q, timed(ctx.queue().attributes(q)).await) }));
    // The cache's server says what it is (one INFO, beside the ping that times it).
    let cache_server = async {
        match ctx.tiered_cache().shared(StoreName::Default) {
            Some(store) => store.server_info().await.ok(),
            None => None,
        }
    };
    // The worker pool's API (Lambda's, for the queues' event source mappings): unreachable from the functions'
    // subnets, autoscaling could not move a limit; that shows here rather than as a skipped queue.
    let workers_probe = timed(ctx.workers().max_concurrency(proxy_core::domain::Priority::High));
    let (probes, servers, application) = tokio::join!(
        async {
            tokio::join!(
                timed(ctx.stores().ping()),
                timed(ctx.cache().ping()),
                cache_server,
                queue_probes,
                workers_probe
            )
        },
        crate::checks::servers(ctx, thresholds, checked_at),
        crate::checks::application(ctx, thresholds, checked_at),
    );
    let ((store_time, store), (cache_time, cache), cache_server, queue_results, (workers_time, workers)) = probes;

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
    let slowest_queue = queue_results.iter().map(|(_, (t, _))| *t).max().unwrap_or_default();
    let queue_error =
        queue_results.iter().find_map(|(q, (_, r))| r.as_ref().err().map(|e| format!("{}: {e}", q.name())));
    let queue = dependency(Backend::Queue, slowest_queue, queue_error, thresholds.slow);
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
    for priority in proxy_core::domain::Priority::ALL {
        let read =
            |q: QueueRef| queue_results.iter().find(|(r, _)| *r == q).and_then(|(_, (_, r))| r.as_ref().ok().copied());
        let (Some(main), Some(dead)) = (read(QueueRef::Main(priority)), read(QueueRef::DeadLetter(priority))) else {
            continue;
        };
        let name = priority.as_str();
        let backlog = main.visible + main.delayed;
        let backlog_warning = if priority == proxy_core::domain::Priority::High {
            thresholds.high_backlog_warning
        } else {
            thresholds.backlog_warning
        };
        let backlog_status = if backlog > thresholds.backlog_critical {
            Some(HealthStatus::Critical)
        } else {
            (backlog > backlog_warning).then_some(HealthStatus::Degraded)
        };
        if let Some(status) = backlog_status {
            findings.push(Finding {
                status,
                message: format!("Queue {name} has {backlog} waiting jobs."),
                condition: format!("queue:{name}:backlog"),
            });
        }
        let failed_status = if dead.visible > thresholds.dead_letter_critical {
            Some(HealthStatus::Critical)
        } else {
            (dead.visible > thresholds.dead_letter_warning).then_some(HealthStatus::Degraded)
        };
        if let Some(status) = failed_status {
            findings.push(Finding {
                status,
                message: format!("Queue {name} has {} failed jobs.", dead.visible),
                condition: format!("queue:{name}:failed"),
            });
        }
        queues.push(QueueDepth {
            queue: name.to_owned(),
            visible: main.visible,
            in_flight: main.in_flight,
            delayed: main.delayed,
            dead_lettered: dead.visible + dead.in_flight + dead.delayed,
        });
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
pub const CACHE_TTL: Duration = Duration::from_secs(300);
