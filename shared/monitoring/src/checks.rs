//! The health check's data checks, beside its probes of the dependencies (`health`): the servers (up vs total,
//! in the critical capacity band, panels that do not answer; none up is critical, fewer than 3 degraded, as the
//! original said), the
//! application (orders stuck in `new` or `processing`, disputed within the hour, functions' server errors and p95
//! latency) and the cache (each store's hit rate over the last
//! hour, Redis's memory against its limit, evictions) and storage (the table's size, the dead letters, this
//! function's `/tmp`). Each reads what it needs with a query or two, is measured, has a
//! deadline, and reports its figures and a finding in words; one that fails or runs out of time says so.

use crate::health::{Finding, HealthEnv, HealthStatus, HealthThresholds};
use chrono::{DateTime, Utc};
use platform::request_metrics;
use proxy_core::domain::{CapacityBand, OrderStatus, ServerStatus};
use proxy_core::error::PortResult;
use proxy_core::ports::CacheServerInfo;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// How long one data check may take before it is reported as timed out.
pub const CHECK_DEADLINE: Duration = Duration::from_secs(3);
/// The window of requests the application check judges.
pub const REQUEST_WINDOW_MINUTES: i64 = 5;

/// How far back the application check looks for orders stuck in `new` or `processing` (older ones are disputes).
pub const STUCK_LOOKBACK: chrono::Duration = chrono::Duration::hours(24);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckResult {
    pub name: &'static str,
    pub status: HealthStatus,
    pub latency_ms: f64,
    /// What it counted (numbers by name).
    pub figures: BTreeMap<String, u64>,
    /// In words: why it is not healthy, or what it saw.
    pub finding: String,
}

impl CheckResult {
    /// The findings it adds to the report (none when healthy).
    pub fn finding(&self) -> Option<Finding> {
        (self.status != HealthStatus::Healthy).then(|| Finding {
            status: self.status,
            message: self.finding.clone(),
            condition: format!("check:{}", self.name),
        })
    }
}

type Figures = BTreeMap<String, u64>;

/// A size as an operator reads it: "12 MB", "640 KB".
fn size_in_words(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes >= MB { format!("{} MB", bytes / MB) } else { format!("{} KB", bytes.div_ceil(1024)) }
}

/// Problems as one sentence: "the table holds 12 MB; /tmp is 90% full" -> "The table holds 12 MB; /tmp is 90% full."
fn sentence(problems: &[String]) -> String {
    let text = problems.join("; ");
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect::<String>() + ".").unwrap_or_default()
}

fn figures<const N: usize>(named: [(&str, u64); N]) -> Figures {
    named.into_iter().map(|(name, value)| (name.to_owned(), value)).collect()
}

/// Runs a check with its deadline, measuring it; a failed or late check is degraded, and says which.
async fn run(
    name: &'static str,
    check: impl std::future::Future<Output = PortResult<(HealthStatus, Figures, String)>>,
) -> CheckResult {
    let started = Instant::now();
    let outcome = tokio::time::timeout(CHECK_DEADLINE, check).await;
    let latency_ms = (started.elapsed().as_secs_f64() * 100_000.0).round() / 100.0;
    let (status, figures, finding) = match outcome {
        Ok(Ok(result)) => result,
        Ok(Err(error)) => (HealthStatus::Degraded, BTreeMap::new(), format!("The {name} check failed: {error}")),
        Err(_) => (
            HealthStatus::Degraded,
            BTreeMap::new(),
            format!("The {name} check did not finish within {} s.", CHECK_DEADLINE.as_secs()),
        ),
    };
    CheckResult { name, status, latency_ms, figures, finding }
}

/// Servers up vs total and in the critical band: two queries (the catalog's servers, the recorded bands); and
/// whether the panels answer — a probe of up to `panel_probes` up servers per run (a different slice each run, so
/// all of them in turn) and of those that did not answer last time (kept in the cache: a read and a write),
/// `PANEL_FAN_OUT` at a time, each within `PROBE_LIMIT`.
pub async fn servers(ctx: &impl HealthEnv, thresholds: &HealthThresholds, now: DateTime<Utc>) -> CheckResult {
    run("servers", async {
        let (servers, bands) = tokio::try_join!(ctx.stores().catalog.servers(), ctx.stores().inventory.bands())?;
        let total = servers.len() as u64;
        let up: Vec<&proxy_core::domain::Server> = servers.iter().filter(|s| s.status == ServerStatus::Up).collect();
        let critical =
            servers.iter().filter(|s| bands.get(&s.id).is_some_and(|b| b.band == CapacityBand::Critical)).count()
                as u64;
        // This run's slice, and every panel that did not answer last time (until it answers: a dead panel's
        // finding lasts while it is dead, not one run in every thirty).
        let last_unanswered = unanswered_before(ctx).await;
        let mut probed = probe_slice(&up, thresholds.panel_probes, now);
        for server in up.iter().filter(|s| last_unanswered.contains(s.id.as_str())).take(PANEL_REPROBES) {
            if !probed.iter().any(|p| p.id == server.id) {
                probed.push(server);
            }
        }
        let unanswered = probe_panels(ctx, &probed).await;
        remember_unanswered(ctx, &unanswered).await;
        let unanswered: Vec<String> = unanswered.into_iter().map(|(_, name)| name).collect();
        let up_count = up.len() as u64;
        let figures = figures([
            ("total", total),
            ("up", up_count),
            ("critical_band", critical),
            ("panels_probed", probed.len() as u64),
            ("panels_unanswered", unanswered.len() as u64),
        ]);
        let mut problems = Vec::new();
        let mut status = HealthStatus::Healthy;
        if total > 0 && up_count == 0 {
            status = HealthStatus::Critical;
            problems.push("No active servers: nothing can be sold.".to_owned());
        } else if up_count < total && up_count < thresholds.servers_up_warning {
            status = HealthStatus::Degraded;
            problems.push(format!("Only {up_count} of {total} servers are up."));
        }
        if critical >= thresholds.critical_band_servers_warning {
            status = status.max(HealthStatus::Degraded);
            problems.push(format!("{critical} of {total} servers are in the critical capacity band."));
        }
        if !unanswered.is_empty() {
            status = status.max(HealthStatus::Degraded);
            let named: Vec<&str> = unanswered.iter().take(5).map(String::as_str).collect();
            let more = if unanswered.len() > named.len() { ", ..." } else { "" };
            problems.push(format!(
                "{} of {} panels probed did not answer: {}{more}.",
                unanswered.len(),
                probed.len(),
                named.join(", ")
            ));
        }
        let finding = if problems.is_empty() {
            format!(
                "{up_count} of {total} servers are up; {critical} in the critical band; {} panels probed answered.",
                probed.len()
            )
        } else {
            problems.join(" ")
        };
        Ok((status, figures, finding))
    })
    .await
}

/// Panels probed at once.
pub const PANEL_FAN_OUT: usize = 32;
/// The most panels that did not answer last time probed again per run (beyond them, the slice finds them again).
pub const PANEL_REPROBES: usize = 32;

/// The slice of `up` this run probes: `count` servers from an offset that moves on by `count` every 5 minutes
/// (the scheduled check's period), wrapping around.
fn probe_slice<'a>(
    up: &[&'a proxy_core::domain::Server],
    count: usize,
    now: DateTime<Utc>,
) -> Vec<&'a proxy_core::domain::Server> {
    if up.is_empty() || count == 0 {
        return Vec::new();
    }
    let count = count.min(up.len());
    let run = usize::try_from(now.timestamp().div_euclid(300)).unwrap_or(0);
    let start = run.wrapping_mul(count) % up.len();
    (0..count).map(|i| up[(start + i) % up.len()]).collect()
}

/// The servers (id, name) whose panel did not answer its probe, `PANEL_FAN_OUT` probes at a time, by name.
async fn probe_panels(ctx: &impl HealthEnv, servers: &[&proxy_core::domain::Server]) -> Vec<(String, String)> {
    let mut unanswered = Vec::new();
    for batch in servers.chunks(PANEL_FAN_OUT) {
        let probes = batch.iter().map(|server| ctx.panel().probe(server));
        for (server, probed) in batch.iter().zip(futures_util::future::join_all(probes).await) {
            if let Err(error) = probed {
                tracing::warn!(server = %server.id, %error, "panel probe unanswered");
                unanswered.push((server.id.to_string(), server.name.clone()));
            }
        }
    }
    unanswered.sort_by(|a, b| a.1.cmp(&b.1));
    unanswered
}

/// Where the servers whose panel did not answer the last probe are kept (their ids), for the next run.
const UNANSWERED_PANELS: &str = "health:panels:unanswered";
/// Longer than a few runs: a check that stops running does not leave them for good.
const UNANSWERED_TTL: Duration = Duration::from_secs(30 * 60);

/// The servers whose panel did not answer last time (none when the cache cannot say).
async fn unanswered_before(ctx: &impl HealthEnv) -> std::collections::BTreeSet<String> {
    match ctx.cache().get(UNANSWERED_PANELS).await {
        Ok(Some(text)) => serde_json::from_str(&text).unwrap_or_default(),
        Ok(None) => Default::default(),
        Err(error) => {
            tracing::warn!(%error, "the panels unanswered last time are not known");
            Default::default()
        }
    }
}

async fn remember_unanswered(ctx: &impl HealthEnv, unanswered: &[(String, String)]) {
    let ids: Vec<&str> = unanswered.iter().map(|(id, _)| id.as_str()).collect();
    let kept = match ids.is_empty() {
        true => ctx.cache().delete(UNANSWERED_PANELS).await,
        false => {
            let text = serde_json::to_string(&ids).unwrap_or_default();
            ctx.cache().set(UNANSWERED_PANELS, &text, Some(UNANSWERED_TTL)).await
        }
    };
    if let Err(error) = kept {
        tracing::warn!(%error, "the panels unanswered are not kept for the next run");
    }
}

/// The application's state, from its orders: paid orders stuck before provisioning ends, and disputes (failed
/// orders) of the last hour: three queries of the orders-by-status index, each bounded by its time window; and
/// from its requests: each HTTP function's server-error rate and p95 latency over the last five minutes (the
/// edge's request telemetry, `platform::request_metrics`: one read of its buckets).
pub async fn application(ctx: &impl HealthEnv, thresholds: &HealthThresholds, now: DateTime<Utc>) -> CheckResult {
    run("application", async {
        let since = now - STUCK_LOOKBACK;
        let to_chrono = |d: Duration| chrono::Duration::from_std(d).unwrap_or_default();
        let store = &ctx.stores().orders;
        let functions: Vec<&str> = api::routes::FUNCTIONS
            .iter()
            .filter(|spec| matches!(spec.trigger, api::routes::Trigger::Http { .. }))
            .map(|spec| spec.name)
            .collect();
        let (new, processing, disputed, requests) = tokio::try_join!(
            store.by_status(OrderStatus::New, since, now - to_chrono(thresholds.new_order_stuck_after)),
            store.by_status(OrderStatus::Processing, since, now - to_chrono(thresholds.processing_stuck_after)),
            store.by_status(OrderStatus::Dispute, now - chrono::Duration::hours(1), now),
            request_metrics::read(ctx.cache(), &functions, REQUEST_WINDOW_MINUTES, now),
        )?;
        let (new, processing, disputed) = (new.len() as u64, processing.len() as u64, disputed.len() as u64);
        let total: u64 = requests.iter().map(|r| r.requests).sum();
        let server_errors: u64 = requests.iter().map(|r| r.server_errors).sum();
        let slowest_p95 = requests.iter().filter_map(|r| r.p95_ms).max().unwrap_or(0);
        let figures = figures([
            ("stuck_new", new),
            ("stuck_processing", processing),
            ("disputed_last_hour", disputed),
            ("requests_5_min", total),
            ("server_errors_5_min", server_errors),
            ("slowest_p95_ms", slowest_p95),
        ]);
        let mut status = HealthStatus::Healthy;
        let mut problems = Vec::new();
        if new > 0 {
            let minutes = thresholds.new_order_stuck_after.as_secs() / 60;
            problems.push(format!("{new} paid orders have waited in new for {minutes} minutes or more"));
        }
        if processing > 0 {
            let minutes = thresholds.processing_stuck_after.as_secs() / 60;
            problems.push(format!("{processing} orders have been processing for {minutes} minutes or more"));
        }
        if disputed > 0 {
            problems.push(format!("{disputed} orders placed in the last hour are in dispute"));
        }
        if !problems.is_empty() {
            status = if disputed > thresholds.disputes_per_hour_critical {
                HealthStatus::Critical
            } else {
                HealthStatus::Degraded
            };
        }
        // Each function's requests over the last five minutes, judged once there are enough of them.
        for function in requests.iter().filter(|r| r.requests >= thresholds.requests_judged) {
            let rate = function.server_error_rate().unwrap_or(0.0);
            if rate > thresholds.server_error_rate_warning {
                let worse = rate > thresholds.server_error_rate_critical;
                status = status.max(if worse { HealthStatus::Critical } else { HealthStatus::Degraded });
                problems.push(format!(
                    "{} answered {:.0} % of its {} requests with a server error",
                    function.function,
                    rate * 100.0,
                    function.requests
                ));
            }
            let slow = match function.p95_ms {
                Some(p95) => p95 > thresholds.p95_warning_ms,
                // In the open bucket: slower than any bound.
                None => true,
            };
            if slow {
                status = status.max(HealthStatus::Degraded);
                let p95 = function.p95_ms.map_or_else(
                    || format!("over {} ms", request_metrics::BUCKETS_MS[request_metrics::BUCKETS_MS.len() - 1]),
                    |ms| format!("up to {ms} ms"),
                );
                problems.push(format!("{}'s p95 latency is {p95}", function.function));
            }
        }
        let finding = if problems.is_empty() {
            format!(
                "No order is stuck; no dispute in the last hour; {total} requests in the last {REQUEST_WINDOW_MINUTES} \
                 minutes, {server_errors} server errors."
            )
        } else {
            format!("{}.", problems.join("; "))
        };
        Ok((status, figures, finding))
    })
    .await
}

/// Each cache store's hit rate over the last hour (a read is a hit when this instance's tier or Redis had the
/// value, a miss when it was loaded), from the counters the cache keeps (one read of them), and Redis's memory
/// against `maxmemory` from the server's own report (`server`, read by the health check's probe).
pub async fn cache(
    ctx: &impl HealthEnv,
    thresholds: &HealthThresholds,
    server: Option<&CacheServerInfo>,
    now: DateTime<Utc>,
) -> CheckResult {
    run("cache", async {
        let counters = ctx.cache().get_many(&cache::stats::window_keys(now, 1)).await?;
        let mut named = Figures::new();
        let mut problems = Vec::new();
        let mut status = HealthStatus::Healthy;
        for (store, store_figures) in cache::stats::figures(&counters, 1) {
            // Every read is served by this instance's tier, or goes to Redis, which has it, has not, or fails.
            let hits = store_figures.l1.hits + store_figures.l2.hits;
            let reads = hits + store_figures.l2.misses + store_figures.l2_errors;
            named.insert(format!("{}_reads", store.as_str()), reads);
            if reads == 0 {
                continue;
            }
            let percent = hits * 100 / reads;
            named.insert(format!("{}_hit_rate_percent", store.as_str()), percent);
            if reads >= thresholds.cache_reads_judged
                && (hits as f64) < thresholds.cache_hit_rate_warning * reads as f64
            {
                status = HealthStatus::Degraded;
                let floor = (thresholds.cache_hit_rate_warning * 100.0).round();
                problems.push(format!(
                    "the {} store served {percent}% of {reads} reads from the cache in the last hour (below {floor}%)",
                    store.as_str()
                ));
            }
        }
        if let Some(server) = server {
            let used = server.used_memory_bytes.unwrap_or(0);
            named.insert("memory_used_bytes".into(), used);
            if let Some(evicted) = server.evicted_keys {
                named.insert("evicted_keys".into(), evicted);
            }
            if let Some(limit) = server.maxmemory_bytes.filter(|limit| *limit > 0) {
                named.insert("memory_limit_bytes".into(), limit);
                let percent = used.saturating_mul(100) / limit;
                named.insert("memory_used_percent".into(), percent);
                if percent > thresholds.cache_memory_warning_percent {
                    let critical = percent > thresholds.cache_memory_critical_percent;
                    status = status.max(if critical { HealthStatus::Critical } else { HealthStatus::Degraded });
                    problems.push(format!("Redis uses {percent}% of its memory limit"));
                }
            }
        }
        let finding = if problems.is_empty() {
            "The cache serves its reads and has room.".to_owned()
        } else {
            sentence(&problems)
        };
        Ok((status, named, finding))
    })
    .await
}

/// `/tmp` when this runs in Lambda (whose `/tmp` is the function's own ephemeral storage); elsewhere `/tmp` is
/// the machine's, and not this process's to judge.
pub fn lambda_tmp() -> Option<std::path::PathBuf> {
    std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").map(|_| std::path::PathBuf::from("/tmp"))
}

/// The most entries the `/tmp` walk reads: a bound on the check's time, not a limit anyone should reach.
const TMP_ENTRIES: usize = 10_000;

/// The bytes of the files under `dir`, reading at most `TMP_ENTRIES` entries (a lower bound past that).
fn directory_bytes(dir: &std::path::Path) -> std::io::Result<u64> {
    let (mut total, mut seen, mut pending) = (0, 0, vec![dir.to_path_buf()]);
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir)? {
            seen += 1;
            if seen > TMP_ENTRIES {
                return Ok(total);
            }
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_dir() {
                pending.push(entry.path());
            } else if kind.is_file() {
                total += entry.metadata()?.len();
            }
        }
    }
    Ok(total)
}

/// What "disk" means here: the table's items and size (one DescribeTable) and how much it throttled the functions
/// in the last five minutes (their telemetry: one read), the dead letters waiting (from the queue probes) and, in
/// Lambda, the function's `/tmp` (`tmp`) against its limit.
pub async fn storage(
    ctx: &impl HealthEnv,
    thresholds: &HealthThresholds,
    dead_letters: u64,
    tmp: Option<&std::path::Path>,
) -> CheckResult {
    let tmp = tmp.map(std::path::Path::to_path_buf);
    run("storage", async move {
        let now = ctx.clock().now();
        let (table, throttled) = tokio::try_join!(
            ctx.stores().describe(),
            request_metrics::read_store_throttles(ctx.cache(), REQUEST_WINDOW_MINUTES, now),
        )?;
        let mut named = figures([
            ("table_items", table.item_count),
            ("table_bytes", table.size_bytes),
            ("table_throttled_5_min", throttled),
            ("dead_letters", dead_letters),
        ]);
        let mut problems = Vec::new();
        if table.size_bytes > thresholds.table_size_warning_bytes {
            problems.push(format!("the table holds {}", size_in_words(table.size_bytes)));
        }
        if throttled > thresholds.table_throttled_warning {
            problems.push(format!(
                "the table throttled {throttled} calls in the last {REQUEST_WINDOW_MINUTES} minutes (each retried)"
            ));
        }
        if let Some(dir) = tmp {
            match tokio::task::spawn_blocking(move || directory_bytes(&dir)).await {
                Ok(Ok(used)) => {
                    let percent = used.saturating_mul(100) / thresholds.tmp_limit_bytes.max(1);
                    named.insert("tmp_bytes".into(), used);
                    named.insert("tmp_used_percent".into(), percent);
                    if percent > thresholds.tmp_used_warning_percent {
                        problems.push(format!("/tmp is {percent}% full"));
                    }
                }
                Ok(Err(error)) => problems.push(format!("/tmp could not be read: {error}")),
                Err(error) => problems.push(format!("/tmp could not be measured: {error}")),
            }
        }
        let finding = if problems.is_empty() {
            format!("The table holds {} items; {dead_letters} dead letters wait.", table.item_count)
        } else {
            sentence(&problems)
        };
        let status = if problems.is_empty() { HealthStatus::Healthy } else { HealthStatus::Degraded };
        Ok((status, named, finding))
    })
    .await
}
