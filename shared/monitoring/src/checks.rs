//! The health check's data checks, beside its probes of the dependencies (`health`): the servers (up vs total,
//! in the critical capacity band; none up is critical, as the original said) and the orders (stuck in `new` or
//! `processing`, disputed within the hour). Each reads what it needs with a query or two, is measured, has a
//! deadline, and reports its figures and a finding in words; one that fails or runs out of time says so.

use crate::health::{Finding, HealthEnv, HealthStatus, HealthThresholds};
use chrono::{DateTime, Utc};
use proxy_core::domain::{CapacityBand, OrderStatus, ServerStatus};
use proxy_core::error::PortResult;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// How long one data check may take before it is reported as timed out.
pub const CHECK_DEADLINE: Duration = Duration::from_secs(3);
/// How far back the orders check looks for orders stuck in `new` or `processing` (older ones are disputes).
pub const STUCK_LOOKBACK: chrono::Duration = chrono::Duration::hours(24);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckResult {
    pub name: &'static str,
    pub status: HealthStatus,
    pub latency_ms: f64,
    /// What it counted (numbers by name).
    pub figures: BTreeMap<&'static str, u64>,
    /// In words: why it is not healthy, or what it saw.
    pub finding: String,
}

impl CheckResult {
    /// The findings it adds to the report (none when healthy).
    pub fn finding(&self) -> Option<Finding> {
        (self.status != HealthStatus::Healthy).then(|| Finding { status: self.status, message: self.finding.clone() })
    }
}

/// Runs a check with its deadline, measuring it; a failed or late check is degraded, and says which.
async fn run(
    name: &'static str,
    check: impl std::future::Future<Output = PortResult<(HealthStatus, BTreeMap<&'static str, u64>, String)>>,
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

/// Servers up vs total and in the critical band: two queries (the catalog's servers, the recorded bands).
pub async fn servers(ctx: &impl HealthEnv, thresholds: &HealthThresholds) -> CheckResult {
    run("servers", async {
        let (servers, bands) = tokio::try_join!(ctx.stores().catalog.servers(), ctx.stores().inventory.bands())?;
        let total = servers.len() as u64;
        let up = servers.iter().filter(|s| s.status == ServerStatus::Up).count() as u64;
        let critical =
            servers.iter().filter(|s| bands.get(&s.id).is_some_and(|b| b.band == CapacityBand::Critical)).count()
                as u64;
        let figures = BTreeMap::from([("total", total), ("up", up), ("critical_band", critical)]);
        let down_percent = ((total - up) * 100).checked_div(total).unwrap_or(0);
        let (status, finding) = if total > 0 && up == 0 {
            (HealthStatus::Critical, "No active servers: nothing can be sold.".to_owned())
        } else if down_percent > thresholds.servers_down_warning_percent {
            (HealthStatus::Degraded, format!("{up} of {total} servers are up ({down_percent}% are not)."))
        } else if critical >= thresholds.critical_band_servers_warning {
            (HealthStatus::Degraded, format!("{critical} of {total} servers are in the critical capacity band."))
        } else {
            (HealthStatus::Healthy, format!("{up} of {total} servers are up; {critical} in the critical band."))
        };
        Ok((status, figures, finding))
    })
    .await
}

/// Orders stuck before provisioning ends, and disputes of the last hour: three queries of the orders-by-status
/// index, each bounded by its time window.
pub async fn orders(ctx: &impl HealthEnv, thresholds: &HealthThresholds, now: DateTime<Utc>) -> CheckResult {
    run("orders", async {
        let since = now - STUCK_LOOKBACK;
        let to_chrono = |d: Duration| chrono::Duration::from_std(d).unwrap_or_default();
        let store = &ctx.stores().orders;
        let (new, processing, disputed) = tokio::try_join!(
            store.by_status(OrderStatus::New, since, now - to_chrono(thresholds.new_order_stuck_after)),
            store.by_status(OrderStatus::Processing, since, now - to_chrono(thresholds.processing_stuck_after)),
            store.by_status(OrderStatus::Dispute, now - chrono::Duration::hours(1), now),
        )?;
        let (new, processing, disputed) = (new.len() as u64, processing.len() as u64, disputed.len() as u64);
        let figures =
            BTreeMap::from([("stuck_new", new), ("stuck_processing", processing), ("disputed_last_hour", disputed)]);
        let mut problems = Vec::new();
        if new > 0 {
            let minutes = thresholds.new_order_stuck_after.as_secs() / 60;
            problems.push(format!("{new} paid orders have waited in new for {minutes} minutes or more"));
        }
        if processing > 0 {
            let minutes = thresholds.processing_stuck_after.as_secs() / 60;
            problems.push(format!("{processing} orders have been processing for {minutes} minutes or more"));
        }
        if disputed >= thresholds.disputes_per_hour_warning {
            problems.push(format!("{disputed} orders placed in the last hour are in dispute"));
        }
        let (status, finding) = if problems.is_empty() {
            (HealthStatus::Healthy, "No order is stuck; no dispute in the last hour.".to_owned())
        } else {
            (HealthStatus::Degraded, format!("{}.", problems.join("; ")))
        };
        Ok((status, figures, finding))
    })
    .await
}
