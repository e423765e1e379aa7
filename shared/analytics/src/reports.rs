//! `generate_report(kind)`: every section frozen for a closed period — daily (a UTC day), weekly (an ISO week,
//! Monday to Sunday) or monthly (a calendar month), each against the one before — stored once per period
//! (running twice keeps the first; a forced run replaces it and says so), listed newest first, and read back
//! as JSON or as CSV tables.

use crate::business::{BusinessMetrics, business_metrics};
use crate::forecast::{Forecasts, Granularity, forecasts};
use crate::performance::{PerformanceMetrics, performance_metrics};
use crate::servers::{ServerMetrics, server_metrics};
use crate::users::{UserMetrics, user_metrics};
use crate::{AnalyticsEnv, Period, Window};
use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Utc};
use proxy_core::domain::Grain;
use proxy_core::error::PortError;
use serde::{Deserialize, Serialize};
use store::{ReportHeader, Saved};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    Daily,
    Weekly,
    Monthly,
}

impl ReportKind {
    pub fn parse(text: &str) -> Option<ReportKind> {
        match text {
            "daily" => Some(ReportKind::Daily),
            "weekly" => Some(ReportKind::Weekly),
            "monthly" => Some(ReportKind::Monthly),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Daily => "daily",
            ReportKind::Weekly => "weekly",
            ReportKind::Monthly => "monthly",
        }
    }

    /// The first and last day of the period `day` falls in.
    pub fn period_of(self, day: NaiveDate) -> (NaiveDate, NaiveDate) {
        match self {
            ReportKind::Daily => (day, day),
            ReportKind::Weekly => {
                let monday = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
                (monday, monday + Duration::days(6))
            }
            ReportKind::Monthly => {
                let first = day.with_day(1).unwrap_or(day);
                (first, first + Months::new(1) - Duration::days(1))
            }
        }
    }

    /// The last closed period before `today`: yesterday, last ISO week, last month.
    pub fn last_closed(self, today: NaiveDate) -> (NaiveDate, NaiveDate) {
        let (first, _) = self.period_of(today);
        self.period_of(first - Duration::days(1))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Only closed periods are reported: the figures of one still running would change.
    #[error("the {kind} period from {first} to {last} has not ended yet")]
    NotClosed { kind: &'static str, first: NaiveDate, last: NaiveDate },
    #[error(transparent)]
    Port(#[from] PortError),
}

impl From<serde_json::Error> for ReportError {
    fn from(error: serde_json::Error) -> Self {
        ReportError::Port(PortError::corrupt(proxy_core::error::Backend::Store, error))
    }
}

/// A report as stored and downloaded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub id: String,
    pub kind: ReportKind,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub generated_at: DateTime<Utc>,
    pub business: serde_json::Value,
    pub users: serde_json::Value,
    pub performance: serde_json::Value,
    pub servers: serde_json::Value,
    pub forecasts: serde_json::Value,
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Generated {
    /// `created`, `exists` (the period's report was kept: not forced) or `replaced` (forced).
    pub outcome: &'static str,
    pub report: ReportHeader,
}

pub fn report_id(kind: ReportKind, first: NaiveDate) -> String {
    format!("{}-{first}", kind.as_str())
}

fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0).map(|t| t.and_utc()).unwrap_or_default()
}

fn window(first: NaiveDate, last: NaiveDate) -> Window {
    Window { from: midnight(first), to: midnight(last + Duration::days(1)), grain: Grain::Day }
}

/// The period of the report, against the one before it (the previous day, ISO week or month).
pub fn report_period(kind: ReportKind, first: NaiveDate, last: NaiveDate) -> Period {
    let (previous_first, previous_last) = kind.period_of(first - Duration::days(1));
    Period {
        name: kind.as_str().to_owned(),
        current: window(first, last),
        previous: window(previous_first, previous_last),
    }
}

/// Generates the `kind` report of the closed period containing `date` (the last closed one when None), unless
/// the period has one already and `force` is false.
pub async fn generate_report(
    ctx: &impl AnalyticsEnv,
    kind: ReportKind,
    date: Option<NaiveDate>,
    force: bool,
) -> Result<Generated, ReportError> {
    let now = ctx.clock().now();
    let (first, last) = match date {
        Some(day) => kind.period_of(day),
        None => kind.last_closed(now.date_naive()),
    };
    if last >= now.date_naive() {
        return Err(ReportError::NotClosed { kind: kind.as_str(), first, last });
    }
    let id = report_id(kind, first);
    // Read the header first: a run that will keep the existing report computes nothing.
    if !force && let Some((existing, _)) = ctx.stores().reports.get(&id).await? {
        return Ok(Generated { outcome: "exists", report: existing });
    }
    let period = report_period(kind, first, last);
    let granularity = if kind == ReportKind::Daily { Granularity::Daily } else { Granularity::Weekly };
    let (business, users, performance, servers, forecasts) = futures_util::join!(
        business_metrics(ctx, &period),
        user_metrics(ctx, &period),
        performance_metrics(ctx, &period),
        server_metrics(ctx, &period),
        forecasts(ctx, granularity, granularity.default_horizon()),
    );
    let (business, users, performance, servers, forecasts): (
        BusinessMetrics,
        UserMetrics,
        PerformanceMetrics,
        ServerMetrics,
        Forecasts,
    ) = (business?, users?, performance?, servers?, forecasts?);
    let report = Report {
        id: id.clone(),
        kind,
        first_day: first,
        last_day: last,
        generated_at: now,
        business: serde_json::to_value(business)?,
        users: serde_json::to_value(users)?,
        performance: serde_json::to_value(performance)?,
        servers: serde_json::to_value(servers)?,
        forecasts: serde_json::to_value(forecasts)?,
    };
    let body = serde_json::to_string(&report)?;
    let header = ReportHeader {
        id,
        kind: kind.as_str().to_owned(),
        first_day: first,
        last_day: last,
        generated_at: now,
        replaced_at: None,
        bytes: body.len(),
    };
    let header = ReportHeader { replaced_at: force.then_some(now), ..header };
    Ok(match ctx.stores().reports.save(&header, &body, force).await? {
        Saved::Created => Generated { outcome: "created", report: ReportHeader { replaced_at: None, ..header } },
        Saved::Replaced => Generated { outcome: "replaced", report: header },
        Saved::Exists(existing) => Generated { outcome: "exists", report: existing },
    })
}

/// A stored report, or None.
pub async fn report(ctx: &impl AnalyticsEnv, id: &str) -> Result<Option<Report>, ReportError> {
    match ctx.stores().reports.get(id).await? {
        Some((_, body)) => Ok(Some(serde_json::from_str(&body)?)),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn periods_are_a_day_an_iso_week_or_a_month_and_the_last_closed_one_ends_before_today() {
        let today = day("2026-11-30"); // a Monday
        assert_eq!(ReportKind::Daily.last_closed(today), (day("2026-11-29"), day("2026-11-29")));
        assert_eq!(ReportKind::Weekly.last_closed(today), (day("2026-11-23"), day("2026-11-29")));
        assert_eq!(ReportKind::Monthly.last_closed(today), (day("2026-10-01"), day("2026-10-31")));
        assert_eq!(ReportKind::Weekly.period_of(day("2026-01-01")), (day("2025-12-29"), day("2026-01-04")));
        assert_eq!(ReportKind::Monthly.period_of(day("2024-02-10")), (day("2024-02-01"), day("2024-02-29")));
        let period = report_period(ReportKind::Monthly, day("2026-03-01"), day("2026-03-31"));
        assert_eq!(period.previous.buckets(), ("2026-02-01".into(), "2026-02-28".into()));
        assert_eq!(report_id(ReportKind::Weekly, day("2026-11-23")), "weekly-2026-11-23");
    }
}
