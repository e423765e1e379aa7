//! `GET /admin/pages/analytics` (`PAGE_ANALYTICS`, `period` as `GET /admin/analytics` reads it): KPI tiles with
//! their change against the previous period, revenue and orders over time with the forecast and its 80/95 %
//! bands, the MRR movements as stacked bars, the cohort retention triangle as a heat map, the breakdowns by
//! payment method, location and plan, the realtime tiles and the stored reports with their downloads. The
//! figures are `GET /admin/analytics`'s, `GET /admin/analytics/realtime`'s and `GET /admin/analytics/reports`'s.

use super::charts::{self, Forecast, Point, Segment};
use super::kit::{self, col, custom, num, panel, table, tile, when};
use api::{ApiError, ApiRequest, Html, Identity};
use maud::{Markup, html};
use serde_json::Value;

platform::env!(
    /// What the analytics endpoints read.
    AnalyticsPageEnv: analytics::AnalyticsEnv, analytics::realtime::RealtimeEnv, ::cache::HasTieredCache
);

/// The periods the picker offers (`analytics::period`'s names).
const PERIODS: [(&str, &str); 5] =
    [("today", "Today"), ("7d", "Last 7 days"), ("30d", "Last 30 days"), ("90d", "Last 90 days"), ("1y", "Last year")];
/// Bars of a breakdown's chart.
const BARS_SHOWN: usize = 10;
/// Reports listed.
const REPORTS_SHOWN: &str = "10";

pub async fn endpoint(ctx: &impl AnalyticsPageEnv, request: ApiRequest, caller: Identity) -> Result<Html, ApiError> {
    // The period is checked first: a bad one is the caller's 422, not a panel that could not be read.
    analytics::endpoints::requested_period(&request, ctx.clock().now())?;
    let period = request.query().get("period").cloned().unwrap_or_else(|| "30d".to_owned());
    let reports_query = ApiRequest {
        query: [("limit".to_owned(), REPORTS_SHOWN.to_owned())].into_iter().collect(),
        ..ApiRequest::default()
    };
    let (metrics, realtime, reports, plans) = tokio::join!(
        // Boxed: the analytics' future is large, and this one joins it with three others.
        Box::pin(analytics::endpoints::get(ctx, request, caller.clone())),
        analytics::endpoints::realtime(ctx, ApiRequest::default(), caller.clone()),
        analytics::endpoints::reports(ctx, reports_query, caller),
        ctx.stores().catalog.plans(),
    );
    let mut unavailable = Vec::new();
    // The caller's mistakes are theirs (a 4xx); a metrics read that failed is named and the rest shown.
    let mut metrics = match metrics {
        Ok(m) => serde_json::to_value(m).unwrap_or_default(),
        Err(e) if e.status < 500 => return Err(e),
        Err(e) => {
            unavailable.push(format!("metrics: {}", e.message));
            Value::Null
        }
    };
    // The breakdown by plan names its plans by id: their names, from the catalogue (one query).
    match plans {
        Ok(plans) => {
            if let Some(rows) = metrics.pointer_mut("/business/current/by_plan").and_then(Value::as_array_mut) {
                for row in rows {
                    if let Some(plan) = plans.iter().find(|p| row["value"] == p.id.to_string()) {
                        row["name"] = Value::String(plan.name.clone());
                    }
                }
            }
        }
        Err(error) => unavailable.push(format!("plan names: {error}")),
    }
    let realtime = kit::part("realtime", realtime, &mut unavailable);
    let reports = kit::part("reports", reports, &mut unavailable);
    let generated = ctx.clock().now().to_rfc3339();
    let body = html! {
        (picker(&period))
        (kpis(&metrics))
        (over_time(&metrics))
        (mrr(&metrics))
        (cohorts(&metrics))
        (breakdowns(&metrics))
        (realtime_panel(realtime.as_ref()))
        (reports_panel(reports.as_ref()))
    };
    Ok(Html(kit::page("analytics", "Analytics", &generated, &unavailable, None, body).into_string()))
}

fn picker(current: &str) -> Markup {
    html! {
        form.picker data-view="" {
            label for="period" { "Period" }
            select id="period" name="period" {
                @for (name, label) in PERIODS { option value=(name) selected[name == current] { (label) } }
            }
            button type="submit" { "Show" }
        }
    }
}

fn kpis(m: &Value) -> Markup {
    let b = &m["business"];
    let u = &m["users"];
    panel(
        "kpis",
        "Key figures",
        false,
        html! {
            div.tiles {
                (tile("Net revenue", &kit::figure(b.pointer("/current/net")), b.pointer("/change/net")))
                (tile("Orders", &kit::figure(b.pointer("/current/orders")), b.pointer("/change/orders")))
                (tile("Average order", &kit::figure(b.pointer("/current/average_order_value")), b.pointer("/change/average_order_value")))
                (tile("Refunds", &kit::figure(b.pointer("/current/refunds")), None))
                (tile("Conversion", &kit::percent(b.pointer("/current/conversion_rate")), None))
                (tile("New customers", &kit::figure(u.pointer("/current/new_customers")), u.pointer("/change/new_customers")))
                (tile("Active customers", &kit::figure(u.pointer("/current/active_customers")), u.pointer("/change/active_customers")))
                (tile("MRR", &kit::figure(b.pointer("/mrr/at_end")), None))
            }
        },
    )
}

/// Revenue and orders: the daily history the forecasts were fitted on and the forecasts with their bands.
fn over_time(m: &Value) -> Markup {
    let series = m["forecasts"]["series"].as_array().cloned().unwrap_or_default();
    let chart = |metric: &str, title: &str, unit: &str| -> Markup {
        let Some(s) = series.iter().find(|s| s["metric"] == metric) else {
            return html! { p.empty { "No " (metric) " forecast." } };
        };
        let history: Vec<Point> = s["history"]
            .as_array()
            .map(|h| {
                h.iter()
                    .map(|p| Point { period: kit::text(p.get("period")), value: p["value"].as_f64().unwrap_or(0.0) })
                    .collect()
            })
            .unwrap_or_default();
        let forecast: Vec<Forecast> = s["points"]
            .as_array()
            .map(|points| {
                points
                    .iter()
                    .map(|p| Forecast {
                        period: kit::text(p.get("period")),
                        expected: p["expected"].as_f64().unwrap_or(0.0),
                        band_80: (p["lower_80"].as_f64().unwrap_or(0.0), p["upper_80"].as_f64().unwrap_or(0.0)),
                        band_95: (p["lower_95"].as_f64().unwrap_or(0.0), p["upper_95"].as_f64().unwrap_or(0.0)),
                    })
                    .collect()
            })
            .unwrap_or_default();
        html! {
            (charts::history_and_forecast(&format!("chart-{metric}"), title, unit, &history, &forecast))
            p.meta { "Model: " (kit::text(s.get("model"))) " · " (kit::text(s.get("status")))
                @if let Some(e) = s.pointer("/backtest/mean_absolute_percentage_error") { " · back-test error " (kit::percent(Some(e))) } }
        }
    };
    panel(
        "revenue",
        "Revenue and orders over time",
        false,
        html! {
            (chart("revenue", "Revenue per day, with the forecast", "revenue"))
            (chart("orders", "Orders per day, with the forecast", "orders"))
        },
    )
}

/// The period's MRR movements: what was gained (new, expansion, reactivation) above the line, what was lost
/// (contraction, churn) below it.
fn mrr(m: &Value) -> Markup {
    let mrr = &m["business"]["mrr"];
    let moved = |name: &str| mrr["movements"][name].as_str().and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    let bars = vec![(
        "This period".to_owned(),
        vec![
            Segment { label: "New", value: moved("new"), class: "s1" },
            Segment { label: "Expansion", value: moved("expansion"), class: "s2" },
            Segment { label: "Reactivation", value: moved("reactivation"), class: "s3" },
            Segment { label: "Contraction", value: -moved("contraction"), class: "s4" },
            Segment { label: "Churn", value: -moved("churn"), class: "s5" },
        ],
    )];
    panel(
        "mrr",
        "MRR movements",
        false,
        html! {
            (charts::stacked_bars("chart-mrr", "MRR movements in the period", "MRR", &bars))
            dl.facts {
                dt { "MRR at start" } dd { (kit::figure(mrr.get("at_start"))) }
                dt { "MRR at end" } dd { (kit::figure(mrr.get("at_end"))) }
                dt { "Net movement" } dd { (kit::figure(mrr.pointer("/movements/net"))) }
                dt { "Customer churn" } dd { (kit::percent(mrr.get("customer_churn_rate"))) }
                dt { "Net MRR churn" } dd { (kit::percent(mrr.get("net_mrr_churn_rate"))) }
                dt { "ARPU" } dd { (kit::figure(mrr.get("arpu"))) }
                dt { "Lifetime value" } dd { (kit::figure(mrr.get("ltv"))) }
            }
        },
    )
}

/// The retention triangle: a row per sign-up month, a cell per month since, shaded by the share retained
/// (the figure is written in every cell, so the shade is never the only cue).
fn cohorts(m: &Value) -> Markup {
    let cohorts = m["users"]["cohorts"].as_array().cloned().unwrap_or_default();
    // A cohort lists only the months it bought in: each cell goes under its own month since the first order.
    let offset = |cell: &Value| cell["month_offset"].as_u64().map(|o| o as usize);
    let width = cohorts
        .iter()
        .filter_map(|c| c["retained"].as_array())
        .flatten()
        .filter_map(offset)
        .max()
        .map_or(0, |most| most + 1);
    panel(
        "cohorts",
        "Cohort retention",
        false,
        html! {
            @if cohorts.is_empty() { p.empty { "No cohort yet." } } @else {
                div.scroll tabindex="0" role="region" aria-label="Cohort retention" {
                    table.heat {
                        caption.sr-only { "Share of each month's new customers who bought again, by months since their first order" }
                        thead { tr { th scope="col" { "Cohort" } th.n scope="col" { "Customers" } @for i in 0..width { th.n scope="col" { "Month " (i) } } } }
                        tbody {
                            @for c in &cohorts {
                                tr {
                                    th scope="row" { (kit::text(c.get("month"))) }
                                    td.n { (kit::figure(c.get("customers"))) }
                                    @for i in 0..width {
                                        @match c["retained"].as_array().and_then(|cells| cells.iter().find(|cell| offset(cell) == Some(i))) {
                                            Some(cell) => {
                                                @let rate = cell["rate"].as_str().and_then(|r| r.parse::<f64>().ok()).unwrap_or(0.0);
                                                td.n class={ "heat" ((rate / 20.0).floor().clamp(0.0, 4.0) as u8) } { (kit::percent(cell.get("rate"))) }
                                            }
                                            None => td {},
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                p.meta { "Repeat purchase rate: " (kit::percent(m.pointer("/users/repeat_purchase_rate"))) }
            }
        },
    )
}

fn breakdowns(m: &Value) -> Markup {
    let current = &m["business"]["current"];
    let part = |key: &str, title: &str| -> Markup {
        let rows = current[key].as_array().cloned().unwrap_or_default();
        // The ten largest as bars (the table has them all).
        let bars: Vec<(String, f64, String)> = rows
            .iter()
            .take(BARS_SHOWN)
            .map(|r| {
                let net = r["net"].as_str().and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
                let label = r["name"].as_str().or(r["value"].as_str()).unwrap_or("—").to_owned();
                (label, net.max(0.0), format!("{} ({})", kit::figure(r.get("net")), kit::percent(r.get("share"))))
            })
            .collect();
        html! {
            h3 { (title) }
            @if rows.is_empty() { p.empty { "No sale in the period." } } @else {
                (charts::share_bars(&format!("chart-{key}"), &format!("Net revenue {}{}", title.to_lowercase(), if rows.len() > BARS_SHOWN { " (the ten largest)" } else { "" }), &bars))
                (table(title, &rows, &[
                    custom("Name", false, |r| html! { (r["name"].as_str().or(r["value"].as_str()).unwrap_or("—")) }),
                    num("Orders", "/orders"),
                    num("Revenue", "/revenue"),
                    num("Refunds", "/refunds"),
                    num("Net", "/net"),
                    kit::pct("Share", "/share"),
                ], None))
            }
        }
    };
    panel(
        "breakdowns",
        "Breakdowns",
        false,
        html! {
            (part("by_payment_method", "By payment method"))
            (part("by_location", "By location"))
            (part("by_plan", "By plan"))
        },
    )
}

fn realtime_panel(realtime: Option<&Value>) -> Markup {
    panel(
        "realtime",
        "Right now",
        true,
        html! {
            @match realtime {
                None => (kit::missing("The realtime figures")),
                Some(r) => {
                    @let windows = r["windows"].as_array().cloned().unwrap_or_default();
                    (table("Live windows", &windows, &[
                        col("Window", "/window"),
                        num("Orders", "/orders"),
                        num("Revenue", "/revenue"),
                        num("Requests / min", "/requests_per_minute"),
                        kit::pct("Errors", "/error_rate"),
                        num("p95 (ms)", "/p95_ms"),
                        num("Active customers", "/active_customers"),
                    ], None))
                }
            }
        },
    )
}

fn reports_panel(reports: Option<&Value>) -> Markup {
    panel(
        "reports",
        "Reports",
        false,
        html! {
            @match reports {
                None => (kit::missing("The reports")),
                Some(r) => {
                    @let rows = r["reports"].as_array().cloned().unwrap_or_default();
                    @if rows.is_empty() { p.empty { "No report yet: " (schedules()) "." } }
                    @else {
                        (table("Stored reports", &rows, &[
                            col("Kind", "/kind"),
                            col("From", "/first_day"),
                            col("To", "/last_day"),
                            custom("Made", false, |r| when(r.get("generated_at"))),
                            custom("Download", false, |r| {
                                let id = r["id"].as_str().unwrap_or_default();
                                html! {
                                    a href=(format!("/admin/analytics/reports/{}?format=csv", kit::segment(id))) data-download="" { "CSV tables (zip)" }
                                    " · "
                                    a href=(format!("/admin/analytics/reports/{}", kit::segment(id))) data-download=(format!("{id}.json")) { "JSON" }
                                }
                            }),
                        ], None))
                    }
                }
            }
        },
    )
}

/// When the reports are made, as the route table schedules them.
fn schedules() -> String {
    [
        &api::routes::ANALYTICS_REPORT_DAILY,
        &api::routes::ANALYTICS_REPORT_WEEKLY,
        &api::routes::ANALYTICS_REPORT_MONTHLY,
    ]
    .iter()
    .filter_map(|spec| match spec.trigger {
        api::routes::Trigger::Schedule { expression } => Some(format!("{} at {expression} (UTC)", spec.name)),
        _ => None,
    })
    .collect::<Vec<_>>()
    .join(", ")
}
