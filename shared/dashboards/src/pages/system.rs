//! `GET /admin/pages/system` (`PAGE_SYSTEM`): the system dashboard as a page — the overall status and the
//! health check's dependencies and data checks with their figures, the open alerts with acknowledgement, the
//! queue tiles and the workload table (Horizon's), the cache's hit rates and memory, the capacity summary and
//! the latest logged errors. Its figures are `GET /admin/system/dashboard`'s, `GET /admin/system/cache`'s and
//! `GET /admin/system/logs`'s (the same calls); the live panels reload every 5 seconds.

use super::kit::{self, Action, action, badge, col, custom, num, panel, pct, table, tile, when};
use crate::system::{SystemDashboard, system_dashboard};
use api::{ApiError, ApiRequest, Html, Identity};
use maud::{Markup, html};
use serde_json::Value;

platform::env!(
    /// The system page reads what the system dashboard, the cache overview and the logs endpoint read.
    SystemPageEnv: crate::system::DashboardEnv, ::cache::CacheEnv, ::cache::warmup::HasCacheWarmers, monitoring::logs::LogsEnv
);

/// Seconds between reloads of the live panels (Horizon's 5).
pub const LIVE_REFRESH: u32 = 5;
/// Log errors shown.
const ERRORS_SHOWN: usize = 8;
const ERRORS_SHOWN_TEXT: &str = "8";

pub async fn endpoint(
    ctx: &(impl SystemPageEnv + Sync),
    request: ApiRequest,
    caller: Identity,
) -> Result<Html, ApiError> {
    let live = kit::live_reload(&request)?;
    let dashboard = system_dashboard(ctx, &caller.subject).await;
    let mut unavailable = dashboard.unavailable.clone();
    if live {
        // The 5-second reload: the live panels only, without the log search (a CloudWatch query each time)
        // and the cache's statistics, which the reader reloads with the page.
        let body = live_panels(&dashboard);
        let page =
            kit::page("system", "System", &dashboard.generated_at.to_rfc3339(), &unavailable, Some(LIVE_REFRESH), body);
        return Ok(Html(page.into_string()));
    }
    let errors_query = ApiRequest {
        query: [("level", "error"), ("limit", ERRORS_SHOWN_TEXT)]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        ..ApiRequest::default()
    };
    let (cache, logs) =
        tokio::join!(::cache::admin::overview(ctx), monitoring::logs::endpoint(ctx, errors_query, caller.clone()));
    let logs = kit::part("logs", logs, &mut unavailable);
    let cache = serde_json::to_value(cache).unwrap_or_default();
    Ok(Html(render(&dashboard, &cache, logs.as_ref(), &unavailable).into_string()))
}

fn live_panels(d: &SystemDashboard) -> Markup {
    html! {
        (status(d))
        (checks(d))
        (alerts(d))
        (queue_tiles(d))
        (workload(d))
    }
}

fn render(d: &SystemDashboard, cache: &Value, logs: Option<&Value>, unavailable: &[String]) -> Markup {
    let generated = d.generated_at.to_rfc3339();
    let body = html! {
        (live_panels(d))
        (cache_panel(cache))
        (capacity(d))
        (log_errors(logs))
        (report())
    };
    kit::page("system", "System", &generated, unavailable, Some(LIVE_REFRESH), body)
}

/// The system report's downloads (`GET /admin/system/export`).
fn report() -> Markup {
    panel(
        "report",
        "System report",
        false,
        html! {
            p { "Health and alerts, queues, cache, capacity and forecasts, prices and promotions, the analytics summary (last 30 days):" }
            ul {
                li { a href="/admin/system/export?format=html" data-download="system-report.html" { "Printable page (HTML; print it to PDF)" } }
                li { a href="/admin/system/export?format=csv" data-download="system-report.zip" { "CSV tables (zip)" } }
                li { a href="/admin/system/export?format=json" data-download="system-report.json" { "One JSON document" } }
            }
        },
    )
}

fn status(d: &SystemDashboard) -> Markup {
    let status = serde_json::to_value(d.status).unwrap_or_default();
    let status = status.as_str().unwrap_or("unknown");
    let release = serde_json::to_value(&d.operations.release).unwrap_or_default();
    panel(
        "status",
        "Status",
        true,
        html! {
            p.big { (badge(status)) }
            @if let Some(note) = &d.health.note { p { (note) } }
            @if let Some(at) = d.health.checked_at { p { "Last check " (when(Some(&Value::String(at.to_rfc3339())))) } }
            (action(Action {
                label: "Run a health check now",
                method: "GET",
                url: "/admin/system/health".into(),
                body: None,
                confirm: None,
                done: "Health check run".into(),
                test: "run-health-check",
                about: None,
            }))
            dl.facts {
                @if let Some(today) = &d.analytics {
                    @let today = serde_json::to_value(today).unwrap_or_default();
                    dt { "Orders today" } dd { (kit::figure(today.get("orders"))) }
                    dt { "Revenue today" } dd { (kit::figure(today.get("revenue"))) }
                }
                @if let Some(n) = &d.notifications { dt { "Unread notifications" } dd { (n.unread_count) @if n.unread_more { "+" } } }
                dt { "Release" } dd { (kit::text(release.get("version"))) }
            }
        },
    )
}

/// The health check's dependencies and its data checks, each with its figures.
fn checks(d: &SystemDashboard) -> Markup {
    let report = d.health.report.as_ref();
    let dependencies = report.and_then(|r| r["dependencies"].as_array()).cloned().unwrap_or_default();
    let checks = report.and_then(|r| r["checks"].as_array()).cloned().unwrap_or_default();
    panel(
        "checks",
        "Health checks",
        true,
        html! {
            @if report.is_none() {
                p.empty { "No health check in the last 5 minutes: run one above, or wait for the 5-minute schedule." }
            } @else {
                (table("Dependencies", &dependencies, &[
                    col("Dependency", "/name"),
                    custom("State", false, |row| badge(row["state"].as_str().unwrap_or("unknown"))),
                    num("Latency (ms)", "/latency_ms"),
                    col("Detail", "/detail"),
                ], None))
                (table("Data checks", &checks, &[
                    col("Check", "/name"),
                    custom("Status", false, |row| badge(row["status"].as_str().unwrap_or("unknown"))),
                    col("Finding", "/finding"),
                    custom("Figures", false, |row| html! {
                        @if let Some(figures) = row["figures"].as_object() {
                            ul.figures { @for (name, value) in figures { li { (name.replace('_', " ")) ": " (kit::figure(Some(value))) } } }
                        }
                    }),
                ], None))
            }
        },
    )
}

fn alerts(d: &SystemDashboard) -> Markup {
    panel(
        "alerts",
        "Open alerts",
        true,
        html! {
            @match &d.alerts {
                None => (kit::missing("The alerts")),
                Some(tile_) => {
                    p { (tile_.critical) " critical, " (tile_.warning) " warning, " (tile_.info) " info" @if tile_.more { " (more are open than shown)" } }
                    @if tile_.open.is_empty() { p.empty { "No open alert." } }
                    ul.alerts {
                        @for alert in &tile_.open {
                            @let a = serde_json::to_value(alert).unwrap_or_default();
                            @let id = alert.id.to_string();
                            @let row = html! {
                                li {
                                    (badge(a["severity"].as_str().unwrap_or("info"))) " "
                                    strong { (kit::text(a.get("source"))) } ": " (kit::text(a.get("message")))
                                    " · raised " (when(a.get("raised_at")))
                                    " · " span.state { (kit::text(a.get("state"))) }
                                    @if let Some(by) = a["acknowledged_by"].as_str() { " by " (by) }
                                    @if a["state"] == "open" {
                                        " "
                                        (action(Action {
                                            label: "Acknowledge",
                                            method: "POST",
                                            url: format!("/admin/system/alerts/{}/ack", kit::segment(&id)),
                                            body: None,
                                            confirm: None,
                                            done: "Alert acknowledged".into(),
                                            test: "ack-alert",
                                            about: Some(("data-alert-id", id.clone())),
                                        }))
                                    }
                                }
                            };
                            (kit::with_attribute(row, "<li", "data-alert-id", &id))
                        }
                    }
                }
            }
        },
    )
}

fn queue_rows(d: &SystemDashboard) -> Vec<Value> {
    d.queues.as_ref().and_then(|q| q["stats"]["queues"].as_array()).cloned().unwrap_or_default()
}

/// Horizon's tiles: the queues' totals (`GET /admin/system/queue`'s `stats.totals`) and the queues' health.
fn queue_tiles(d: &SystemDashboard) -> Markup {
    let totals = d.queues.as_ref().map(|q| &q["stats"]["totals"]);
    let health = d.queues.as_ref().and_then(|q| q["health"]["status"].as_str()).unwrap_or("unknown");
    panel(
        "queues",
        "Queues",
        true,
        html! {
            @match totals {
                None => (kit::missing("The queues")),
                Some(t) => {
                    div.tiles {
                        (tile("Jobs per minute", &kit::figure(t.get("jobs_per_minute")), None))
                        (tile("Jobs past hour", &kit::figure(t.get("jobs_past_hour")), None))
                        (tile("Failed past 7 days", &kit::figure(t.get("failed_past_7_days")), None))
                        (tile("Waiting", &kit::figure(t.get("waiting")), None))
                        (tile("Delayed", &kit::figure(t.get("delayed")), None))
                        (tile("In flight", &kit::figure(t.get("in_flight")), None))
                        (tile("Dead letters", &kit::figure(t.get("dead_letters")), None))
                        (tile("Longest wait", &t["longest_wait_seconds"].as_f64().map_or("—".to_owned(), |s| format!("{} s", kit::group(s))), None))
                        div.tile { span.label { "Status" } span.value { (badge(health)) } }
                    }
                }
            }
        },
    )
}

/// Horizon's workload table: per queue, its backlog, its workers and what the autoscaler would give it.
fn workload(d: &SystemDashboard) -> Markup {
    let rows = queue_rows(d);
    let scaling = d.queues.as_ref().and_then(|q| q["scaling"].as_array()).cloned().unwrap_or_default();
    let desired = |queue: &Value| {
        scaling.iter().find(|s| s["inputs"]["queue"] == *queue).map(|s| s["desired"].clone()).unwrap_or(Value::Null)
    };
    let rows: Vec<Value> = rows
        .into_iter()
        .map(|mut r| {
            r["desired_workers"] = desired(&r["queue"]);
            r
        })
        .collect();
    panel(
        "workload",
        "Workload",
        true,
        table(
            "Workload per queue",
            &rows,
            &[
                col("Queue", "/queue"),
                num("Waiting", "/visible"),
                num("Delayed", "/delayed"),
                num("In flight", "/in_flight"),
                num("Dead letters", "/dead_letters"),
                num("Jobs / min", "/metrics/jobs_per_minute"),
                num("Avg runtime (ms)", "/metrics/average_runtime_ms"),
                num("Wait (s)", "/wait_seconds"),
                num("Workers", "/max_concurrency"),
                num("Workers wanted", "/desired_workers"),
            ],
            None,
        ),
    )
}

fn cache_panel(cache: &Value) -> Markup {
    let stores = cache["stores"].as_array().cloned().unwrap_or_default();
    panel(
        "cache",
        "Cache",
        false,
        html! {
            (table("Cache stores", &stores, &[
                col("Store", "/store"),
                custom("Instance hit rate", true, |r| html! { (rate(r.pointer("/last_hour/l1/hit_rate"))) }),
                custom("Redis hit rate", true, |r| html! { (rate(r.pointer("/last_hour/l2/hit_rate"))) }),
                num("Keys", "/keys"),
                num("Loads (1 h)", "/last_hour/loads"),
                num("Errors (1 h)", "/last_hour/l2_errors"),
                custom("Memory", true, |r| html! { (bytes(r.pointer("/server/used_memory_bytes"))) " of " (limit(r.pointer("/server/maxmemory_bytes"))) }),
            ], None))
            @if let Some(tips) = cache["recommendations"].as_array().filter(|t| !t.is_empty()) {
                h3 { "Recommendations" }
                ul { @for tip in tips { li { (kit::text(tip.get("message").or(Some(tip)))) } } }
            }
        },
    )
}

/// A hit rate kept as a fraction, shown as a percentage.
fn rate(value: Option<&Value>) -> String {
    value.and_then(Value::as_f64).map_or("—".to_owned(), |r| format!("{} %", kit::group((r * 1000.0).round() / 10.0)))
}

fn bytes(value: Option<&Value>) -> String {
    let Some(b) = value.and_then(Value::as_f64) else { return "—".to_owned() };
    match b {
        b if b >= 1024.0 * 1024.0 * 1024.0 => format!("{:.1} GiB", b / (1024.0 * 1024.0 * 1024.0)),
        b if b >= 1024.0 * 1024.0 => format!("{:.1} MiB", b / (1024.0 * 1024.0)),
        b if b >= 1024.0 => format!("{:.1} KiB", b / 1024.0),
        b => format!("{b:.0} B"),
    }
}

/// Redis's `maxmemory`: 0 is no limit.
fn limit(value: Option<&Value>) -> String {
    match value.and_then(Value::as_f64) {
        Some(0.0) => "no limit".to_owned(),
        _ => bytes(value),
    }
}

fn capacity(d: &SystemDashboard) -> Markup {
    // A location's totals (its per-protocol rows are on the inventory page).
    let locations: Vec<Value> = d
        .capacity
        .as_ref()
        .and_then(|c| c["locations"].as_array())
        .map(|rows| rows.iter().filter(|r| r["protocol"].is_null()).cloned().collect())
        .unwrap_or_default();
    panel(
        "capacity",
        "Capacity",
        false,
        html! {
            @if d.capacity.is_none() { (kit::missing("The capacity")) } @else {
                (table("Capacity per location", &locations, &[
                    col("Location", "/location"),
                    custom("Band", false, |r| badge(r["band"].as_str().unwrap_or("unknown"))),
                    pct("Used", "/utilisation_percent"),
                    num("Used slots", "/used"),
                    num("Held", "/held"),
                    num("Free", "/free"),
                    num("Servers up", "/servers_up"),
                ], None))
            }
        },
    )
}

fn log_errors(logs: Option<&Value>) -> Markup {
    panel(
        "logs",
        "Latest errors",
        false,
        html! {
            @match logs {
                None => (kit::missing("The logs")),
                Some(logs) => {
                    @let events: Vec<Value> = logs["events"].as_array().map(|e| e.iter().take(ERRORS_SHOWN).cloned().collect()).unwrap_or_default();
                    @if events.is_empty() { p.empty { "No error logged since " (when(logs.get("since"))) "." } }
                    @else {
                        (table("Latest logged errors", &events, &[
                            custom("At", false, |r| when(r.get("at"))),
                            col("Function", "/function"),
                            col("Message", "/message"),
                        ], None))
                    }
                }
            }
        },
    )
}
