//! `GET /admin/analytics` (`period`, `from`, `to`, `forecast`, `horizon`): the business, user, performance and
//! server sections for the period, each against the period before where it compares, and the forecasts.

use crate::business::{BusinessMetrics, business_metrics};
use crate::forecast::{Forecasts, Granularity, forecasts};
use crate::performance::{PerformanceMetrics, performance_metrics};
use crate::realtime::{RealtimeEnv, RealtimeMetrics, realtime_metrics};
use crate::servers::{ServerMetrics, server_metrics};
use crate::users::{UserMetrics, user_metrics};
use crate::{AnalyticsEnv, Period};
use api::error::{ApiError, FieldErrors};
use api::{ApiRequest, Identity};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analytics {
    pub period: Period,
    pub business: BusinessMetrics,
    pub users: UserMetrics,
    pub performance: PerformanceMetrics,
    pub servers: ServerMetrics,
    pub forecasts: Forecasts,
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

pub async fn get(ctx: &impl AnalyticsEnv, request: ApiRequest, _caller: Identity) -> Result<Analytics, ApiError> {
    let period = requested_period(&request, ctx.clock().now())?;
    let (granularity, horizon) = requested_forecast(&request)?;
    let (business, users, performance, servers, forecasts) = futures_util::join!(
        business_metrics(ctx, &period),
        user_metrics(ctx, &period),
        performance_metrics(ctx, &period),
        server_metrics(ctx, &period),
        forecasts(ctx, granularity, horizon),
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

/// The query of `GET /admin/analytics` in the OpenAPI document.
pub fn add_inputs(inputs: &mut api::openapi::Inputs) {
    use api::openapi::QueryParameter;
    let date = serde_json::json!({"type": "string", "format": "date"});
    let query = vec![
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
    ];
    inputs.add(&api::routes::ANALYTICS_GET, api::openapi::OperationInput::query(query));
}
