//! `GET /admin/analytics` (`period`, `from`, `to`, `forecast`, `horizon`): the business, user, performance and
//! server sections for the period, each against the period before where it compares, and the forecasts.

use crate::business::{BusinessMetrics, business_metrics};
use crate::forecast::{Granularity, cached_forecasts};
use crate::performance::{PerformanceMetrics, performance_metrics};
use crate::realtime::{RealtimeEnv, RealtimeMetrics, realtime_metrics};
use crate::reports::{self, ReportError};
use crate::servers::{ServerMetrics, server_metrics};
use crate::tables;
use crate::users::{UserMetrics, user_metrics};
use crate::{AnalyticsEnv, Period};
use api::error::{ApiError, FieldErrors};
use api::{ApiRequest, Download, Identity, Reply};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analytics {
    pub period: Period,
    pub business: BusinessMetrics,
    pub users: UserMetrics,
    pub performance: PerformanceMetrics,
    pub servers: ServerMetrics,
    /// `forecast::Forecasts`, as kept in the cache for the day.
    pub forecasts: serde_json::Value,
}

/// The forecasts asked for: `forecast` (daily or weekly) and `horizon` (periods ahead, bounded).
pub fn requested_forecast(request: &ApiRequest) -> Result<(Granularity, usize), ApiError> {
    let query = request.query();
    let mut errors = FieldErrors::new();
    let granularity = match query.get("forecast").map(String::as_str) {
        None => Some(Granularity::Daily),
        Some(text) => Granularity::parse(text),
    };
    if granularity.is_none() {
        proxy_core::validation::add_error(&mut errors, "forecast", "must be daily or weekly");
    }
    let granularity = granularity.unwrap_or(Granularity::Daily);
    let max = granularity.max_horizon();
    let horizon = match query.get("horizon") {
        None => Some(granularity.default_horizon()),
        Some(text) => text.parse::<usize>().ok().filter(|h| (1..=max).contains(h)),
    };
    if horizon.is_none() {
        proxy_core::validation::add_error(&mut errors, "horizon", format!("must be a whole number from 1 to {max}"));
    }
    match horizon {
        Some(horizon) if errors.is_empty() => Ok((granularity, horizon)),
        _ => Err(ApiError::validation(errors)),
    }
}

/// The period the request asks for (`period`, and `from`/`to` for `custom`); a bad one is a 422 naming its field.
pub fn requested_period(request: &ApiRequest, now: chrono::DateTime<chrono::Utc>) -> Result<Period, ApiError> {
    let query = request.query();
    let get = |name: &str| query.get(name).map(String::as_str);
    Period::parse(get("period"), get("from"), get("to"), now).map_err(|error| {
        let mut errors = FieldErrors::new();
        proxy_core::validation::add_error(&mut errors, error.field(), error.to_string());
        ApiError::validation(errors)
    })
}

pub async fn get(
    ctx: &(impl AnalyticsEnv + cache::HasTieredCache),
    request: ApiRequest,
    _caller: Identity,
) -> Result<Analytics, ApiError> {
    let period = requested_period(&request, ctx.clock().now())?;
    let (granularity, horizon) = requested_forecast(&request)?;
    let (business, users, performance, servers, forecasts) = futures_util::join!(
        business_metrics(ctx, &period),
        user_metrics(ctx, &period),
        performance_metrics(ctx, &period),
        server_metrics(ctx, &period),
        cached_forecasts(ctx, granularity, horizon),
    );
    Ok(Analytics {
        period,
        business: business?,
        users: users?,
        performance: performance?,
        servers: servers?,
        forecasts: forecasts?,
    })
}

/// `GET /admin/analytics/realtime`: the live figures.
pub async fn realtime(
    ctx: &impl RealtimeEnv,
    _request: ApiRequest,
    _caller: Identity,
) -> Result<RealtimeMetrics, ApiError> {
    Ok(realtime_metrics(ctx).await?)
}

/// A page of the stored reports, newest period first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportPage {
    pub reports: Vec<store::ReportHeader>,
    pub next_cursor: Option<String>,
}

/// `GET /admin/analytics/reports` (`limit`, `cursor`).
pub async fn reports(ctx: &impl AnalyticsEnv, request: ApiRequest, _caller: Identity) -> Result<ReportPage, ApiError> {
    let page = api::page::parse(request.query(), &store::ReportStore::list_scope())?;
    let (reports, next) = ctx.stores().reports.list(page.limit, page.after).await?;
    Ok(ReportPage { reports, next_cursor: next.as_ref().map(proxy_core::ports::table::Cursor::token) })
}

/// `GET /admin/analytics/reports/{id}` (`format=json|csv`, `table` with csv): the report in the envelope, one
/// table as CSV, or every table as CSV in a zip.
pub async fn report(ctx: &impl AnalyticsEnv, request: ApiRequest, _caller: Identity) -> Result<Reply, ApiError> {
    let id = request.path_param("id")?;
    let query = request.query();
    let mut errors = FieldErrors::new();
    let table = query.get("table").map(String::as_str);
    // A table is a CSV download: `table` alone asks for one.
    let format = query.get("format").map(String::as_str).unwrap_or(if table.is_some() { "csv" } else { "json" });
    if !["json", "csv"].contains(&format) {
        proxy_core::validation::add_error(&mut errors, "format", "must be json or csv");
    }
    if let Some(table) = table
        && (format != "csv" || !tables::TABLES.contains(&table))
    {
        let message = format!("with format=csv, one of: {}", tables::TABLES.join(", "));
        proxy_core::validation::add_error(&mut errors, "table", message);
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let report = match reports::report(ctx, &id).await {
        Ok(Some(report)) => report,
        Ok(None) => return Err(ApiError::not_found("Report")),
        Err(ReportError::Port(error)) => return Err(error.into()),
        Err(error) => {
            tracing::error!(%error, report = id, "stored report unreadable");
            return Err(ApiError::internal());
        }
    };
    match (format, table) {
        ("csv", Some(table)) => Ok(Reply::File(Download {
            content_type: "text/csv; charset=utf-8",
            filename: format!("{}-{table}.csv", report.id),
            bytes: tables::csv(&tables::rows(&report, table).unwrap_or_default()),
        })),
        ("csv", None) => {
            let bytes = tables::zip(&report).map_err(|error| {
                tracing::error!(%error, report = id, "report zip not written");
                ApiError::internal()
            })?;
            Ok(Reply::File(Download { content_type: "application/zip", filename: format!("{}.zip", report.id), bytes }))
        }
        _ => Ok(Reply::Data(serde_json::to_value(report).map_err(|_| ApiError::internal())?)),
    }
}

/// The query of `GET /admin/analytics` in the OpenAPI document.
/// The period and forecast parameters `get` reads (and the pages and the export that pass them on).
pub fn period_parameters() -> Vec<api::openapi::QueryParameter> {
    use api::openapi::QueryParameter;
    let date = serde_json::json!({"type": "string", "format": "date"});
    vec![
        QueryParameter {
            name: "period",
            description: "The period, ending today (default 30d); `custom` takes `from` and `to`.",
            schema: serde_json::json!({"enum": ["today", "7d", "30d", "90d", "1y", "custom"], "default": "30d"}),
        },
        QueryParameter { name: "from", description: "A custom period's first day (UTC).", schema: date.clone() },
        QueryParameter {
            name: "to",
            description: "A custom period's last day (UTC), at most 731 days after `from` and not after today.",
            schema: date,
        },
        QueryParameter {
            name: "forecast",
            description: "The forecasts' granularity (default daily).",
            schema: serde_json::json!({"enum": ["daily", "weekly"], "default": "daily"}),
        },
        QueryParameter {
            name: "horizon",
            description: "Periods forecast (default 30 days or 12 weeks; at most 90 days or 26 weeks).",
            schema: serde_json::json!({"type": "integer", "minimum": 1, "maximum": 90}),
        },
    ]
}

pub fn add_inputs(inputs: &mut api::openapi::Inputs) {
    use api::openapi::QueryParameter;
    inputs.add(&api::routes::ANALYTICS_GET, api::openapi::OperationInput::query(period_parameters()));
    inputs.add(&api::routes::ANALYTICS_REPORTS, api::openapi::OperationInput::query(api::page::query_parameters()));
    let download = vec![
        QueryParameter {
            name: "format",
            description: "json (the report in the envelope; the default without `table`) or csv (a zip of every \
                          table, or one table).",
            schema: serde_json::json!({"enum": ["json", "csv"]}),
        },
        QueryParameter {
            name: "table",
            description: "This table only, as one CSV file (not with format=json).",
            schema: serde_json::json!({"enum": tables::TABLES}),
        },
    ];
    inputs.add(&api::routes::ANALYTICS_REPORT_GET, api::openapi::OperationInput::query(download));
}
