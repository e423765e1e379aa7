//! `GET /admin/system/export` (`SYSTEM_EXPORT`, `format=json|csv|html`, `period` as the analytics read it): the
//! system report — health and alerts, queues, cache, capacity and forecasts, the pricing in force, the
//! analytics summary — as one JSON document, a zip of one CSV per table, or a printable HTML page (its print
//! style gives a clean PDF from the browser's "save as PDF"). Every part is the JSON endpoints' own answer.

use crate::pages::kit::{self, col, num, pct, table};
use crate::system::system_dashboard;
use api::{ApiError, ApiRequest, Download, FieldErrors, Html, Identity, Reply};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde_json::{Value, json};

platform::env!(
    /// The export reads what the system, analytics and pricing pages read.
    ExportEnv: crate::system::DashboardEnv, ::cache::CacheEnv, ::cache::warmup::HasCacheWarmers,
        crate::pages::analytics::AnalyticsPageEnv, pricing::PricingEnv
);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Csv,
    Html,
}

fn requested_format(request: &ApiRequest) -> Result<Format, ApiError> {
    match request.query().get("format").map(String::as_str) {
        None | Some("json") => Ok(Format::Json),
        Some("csv") => Ok(Format::Csv),
        Some("html") => Ok(Format::Html),
        Some(_) => {
            let mut errors = FieldErrors::new();
            proxy_core::validation::add_error(&mut errors, "format", "must be json, csv or html");
            Err(ApiError::validation(errors))
        }
    }
}

pub async fn endpoint(ctx: &(impl ExportEnv + Sync), request: ApiRequest, caller: Identity) -> Result<Reply, ApiError> {
    let format = requested_format(&request)?;
    let now = ctx.clock().now();
    // The analytics' parameters are checked here: a bad one is the caller's 422, not a part that could not be read.
    let period = analytics::endpoints::requested_period(&request, now)?;
    analytics::endpoints::requested_forecast(&request)?;
    let analytics_request = ApiRequest { query: request.query().clone(), ..ApiRequest::default() };
    let (dashboard, cache, inventory, pricing, analytics) = tokio::join!(
        system_dashboard(ctx, &caller.subject),
        ::cache::admin::overview(ctx),
        inventory::endpoints::overview(ctx, ApiRequest::default(), caller.clone()),
        pricing::endpoints::overview(ctx, ApiRequest::default(), caller.clone()),
        // Boxed: the analytics' future is large, and this one joins it with four others.
        Box::pin(analytics::endpoints::get(ctx, analytics_request, caller.clone())),
    );
    let mut unavailable = dashboard.unavailable.clone();
    let mut part = |name: &str, value: Result<Value, ApiError>| {
        value.map_err(|e| unavailable.push(format!("{name}: {}", e.message))).unwrap_or(Value::Null)
    };
    let inventory = part("inventory", inventory.map(|v| serde_json::to_value(v).unwrap_or_default()));
    let pricing = part("pricing", pricing.map(|v| serde_json::to_value(v).unwrap_or_default()));
    let analytics = part("analytics", analytics.map(|v| serde_json::to_value(v).unwrap_or_default()));
    let dashboard = serde_json::to_value(&dashboard).unwrap_or_default();
    let report = json!({
        "generated_at": now,
        "period": serde_json::to_value(&period).unwrap_or_default(),
        "status": dashboard["status"],
        "health": dashboard["health"]["report"],
        "alerts": dashboard["alerts"],
        "queues": dashboard["queues"],
        "cache": serde_json::to_value(cache).unwrap_or_default(),
        "capacity": {
            "locations": inventory.pointer("/capacity/groups"),
            "alerts": inventory["alerts"],
            "scaling": inventory["scaling"],
        },
        "forecasts": {"inventory": inventory["forecast"], "analytics": analytics["forecasts"]},
        "pricing": {"active": pricing["active"], "plans": pricing["plans"], "promotions": pricing["promotions"]},
        "analytics": {
            "business": analytics["business"],
            "users": analytics["users"].as_object().map(|u| {
                u.iter().filter(|(k, _)| *k != "cohorts").map(|(k, v)| (k.clone(), v.clone())).collect::<serde_json::Map<_, _>>()
            }),
        },
        "unavailable": unavailable,
    });
    let stamp = now.format("%Y%m%dT%H%MZ");
    match format {
        Format::Json => Ok(Reply::Data(report)),
        Format::Csv => {
            let bytes = analytics::tables::zip_tables(tables(&report)).map_err(|error| {
                tracing::error!(%error, "system report zip not written");
                ApiError::internal()
            })?;
            Ok(Reply::File(Download {
                content_type: "application/zip",
                filename: format!("system-report-{stamp}.zip"),
                bytes,
            }))
        }
        Format::Html => Ok(Reply::Page(Html(printable(&report).into_string()))),
    }
}

fn rows(value: Option<&Value>) -> Vec<Value> {
    value.and_then(Value::as_array).cloned().unwrap_or_default()
}

/// The report's tables: the CSV files of the zip and the HTML page's tables.
fn tables(report: &Value) -> Vec<(&'static str, Vec<Value>)> {
    let health = &report["health"];
    let checks: Vec<Value> = rows(health.get("dependencies"))
        .into_iter()
        .map(|d| json!({"name": d["name"], "kind": "dependency", "status": d["state"], "latency_ms": d["latency_ms"], "finding": d["detail"]}))
        .chain(rows(health.get("checks")).into_iter().map(|c| {
            json!({"name": c["name"], "kind": "check", "status": c["status"], "latency_ms": c["latency_ms"], "finding": c["finding"], "figures": c["figures"]})
        }))
        .collect();
    let business = &report["analytics"]["business"];
    let users = &report["analytics"]["users"];
    let summary: Vec<Value> = [
        ("net revenue", &business["current"]["net"], &business["previous"]["net"], &business["change"]["net"]),
        ("orders", &business["current"]["orders"], &business["previous"]["orders"], &business["change"]["orders"]),
        (
            "average order value",
            &business["current"]["average_order_value"],
            &business["previous"]["average_order_value"],
            &business["change"]["average_order_value"],
        ),
        ("refunds", &business["current"]["refunds"], &business["previous"]["refunds"], &Value::Null),
        ("new customers", &users["current"]["new_customers"], &users["previous"]["new_customers"], &users["change"]["new_customers"]),
        (
            "active customers",
            &users["current"]["active_customers"],
            &users["previous"]["active_customers"],
            &users["change"]["active_customers"],
        ),
        // MRR is a level, not a flow: its rows are the period's start and end, with no previous period.
        ("mrr at the period's start", &business["mrr"]["at_start"], &Value::Null, &Value::Null),
        ("mrr at the period's end", &business["mrr"]["at_end"], &Value::Null, &Value::Null),
    ]
    .into_iter()
    .map(|(metric, current, previous, change)| json!({"metric": metric, "current": current, "previous": previous, "change_percent": change}))
    .collect();
    let forecasts: Vec<Value> = rows(report.pointer("/forecasts/inventory/locations"))
        .into_iter()
        .map(|l| {
            let f = &l["forecast"];
            json!({"location": l["location"], "free_slots": f["free_slots"], "sold_last_7_days": f["sold_last_7_days"],
                "runs_out_on": f["runs_out_on"], "runs_out_earliest": f["runs_out_earliest"], "model": f["model"]})
        })
        .collect();
    let plans: Vec<Value> = rows(report.pointer("/pricing/plans"))
        .into_iter()
        .map(|p| json!({"name": p["name"], "location": p["location"], "plan_type": p["plan_type"], "base_price": p["base_price"], "price": p["price"]}))
        .collect();
    vec![
        ("checks", checks),
        ("alerts", rows(report.pointer("/alerts/open"))),
        ("queues", rows(report.pointer("/queues/stats/queues"))),
        ("cache", rows(report.pointer("/cache/stores"))),
        ("capacity", rows(report.pointer("/capacity/locations"))),
        ("forecasts", forecasts),
        ("prices", plans),
        ("promotions", rows(report.pointer("/pricing/promotions"))),
        ("analytics_summary", summary),
        ("sales_by_location", rows(business.pointer("/current/by_location"))),
        ("sales_by_plan", rows(business.pointer("/current/by_plan"))),
    ]
}

/// The report as a page to print: one section per table, the print style of the dashboards.
fn printable(report: &Value) -> Markup {
    let generated = report["generated_at"].as_str().unwrap_or_default();
    let period = &report["period"]["current"];
    let tables = tables(report);
    let find =
        |name: &str| tables.iter().find(|(n, _)| *n == name).map(|(_, rows)| rows.as_slice()).unwrap_or_default();
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { "1000proxy system report " (kit::when_text(generated)) }
                style { (PreEscaped(include_str!("pages/shell.css"))) }
            }
            body {
                main {
                    h1 { "System report" }
                    p.meta { "Made " (kit::when_text(generated)) " · period " (kit::text(period.get("from"))) " to " (kit::text(period.get("to")))
                        " · status " (kit::badge(report["status"].as_str().unwrap_or("unknown"))) }
                    @if let Some(missing) = report["unavailable"].as_array().filter(|m| !m.is_empty()) {
                        div.notice { "Not read: " (kit::text(Some(&Value::Array(missing.clone())))) }
                    }
                    (section("Health", table("Health checks", find("checks"), &[col("Name", "/name"), col("Kind", "/kind"), col("Status", "/status"), num("Latency (ms)", "/latency_ms"), col("Finding", "/finding")], None)))
                    (section("Open alerts", table("Open alerts", find("alerts"), &[col("Severity", "/severity"), col("Source", "/source"), col("Message", "/message"), col("State", "/state"), col("Raised", "/raised_at")], None)))
                    (section("Queues", table("Queues", find("queues"), &[col("Queue", "/queue"), num("Waiting", "/visible"), num("In flight", "/in_flight"), num("Dead letters", "/dead_letters"), num("Jobs past hour", "/metrics/jobs_past_hour"), num("Failed 7 days", "/metrics/failed_past_7_days")], None)))
                    (section("Cache", table("Cache", find("cache"), &[col("Store", "/store"), num("Keys", "/keys"), num("Instance hit rate", "/last_hour/l1/hit_rate"), num("Redis hit rate", "/last_hour/l2/hit_rate"), num("Memory (bytes)", "/server/used_memory_bytes")], None)))
                    (section("Capacity", table("Capacity", find("capacity"), &[col("Location", "/location"), col("Protocol", "/protocol"), col("Band", "/band"), pct("Used", "/utilisation_percent"), num("Free", "/free"), num("Total", "/total")], None)))
                    (section("Capacity forecast", table("Capacity forecast", find("forecasts"), &[col("Location", "/location"), num("Free", "/free_slots"), num("Sold 7 days", "/sold_last_7_days"), col("Runs out", "/runs_out_on"), col("Earliest", "/runs_out_earliest")], None)))
                    (section("Prices", table("Prices", find("prices"), &[col("Plan", "/name"), col("Location", "/location"), num("Base", "/base_price"), num("Price", "/price")], None)))
                    (section("Promotions", table("Promotions", find("promotions"), &[col("Code", "/code"), col("State", "/state"), col("Kind", "/kind"), num("Value", "/value"), num("Used", "/used_count")], None)))
                    (section("Analytics", table("Analytics summary", find("analytics_summary"), &[col("Metric", "/metric"), num("Current", "/current"), num("Previous", "/previous"), pct("Change", "/change_percent")], None)))
                    (section("Sales by location", table("Sales by location", find("sales_by_location"), &[col("Location", "/value"), num("Orders", "/orders"), num("Net", "/net"), pct("Share", "/share")], None)))
                }
            }
        }
    }
}

fn section(title: &str, body: Markup) -> Markup {
    html! { section.panel { h2 { (title) } (body) } }
}
