//! The scheduled `system-health-check` (every 5 minutes): the same check as `GET /admin/system/health`, cached
//! for dashboards as `realtime:system_health` (600 s: two runs), with an alert open for each condition it finds while it
//! lasts.

use crate::health::{self, CACHE_KEY, CACHE_TTL, HealthEnv, HealthStatus, HealthThresholds};
use api::schedule::parse_invocation;
use platform::alerts::{self, AlertsEnv, Observed, Sighting};

/// The run's claim (a lease in the store, as a job's): one run at a time.
const RUN_ID: &str = "run:system-health-check";
/// Longer than a run can last (the function's 30 s timeout): a crashed run's lease lets the next one in.
const RUN_LEASE: std::time::Duration = std::time::Duration::from_secs(60);

/// The health check's alerts' source; each condition's key is `system-health:<finding's condition>`.
const ALERT_SOURCE: &str = "system-health";
/// Pages of 100 open alerts read to find the conditions gone (a bound on the run, far above any real count).
const OPEN_ALERT_PAGES: usize = 10;

/// One alert per condition the check finds (`store`, `queue:high:backlog`, `check:servers`, ...), its severity
/// following the finding's, open while it lasts and resolved when the check no longer finds it: a new problem
/// while another lasts is announced, and one that lasts does not hold the others' open. The open ones are read
/// (one query a hundred), to resolve those gone and to send again the resolutions not delivered. Says what it did, for the run's summary.
async fn alert_on(ctx: &(impl HealthEnv + AlertsEnv), report: &crate::health::HealthReport) -> serde_json::Value {
    let findings = &report.findings;
    // A part the check could not read says nothing of its conditions: their alerts stay as they are (the outage
    // itself is a finding of its own).
    let queues_unread = report
        .dependencies
        .iter()
        .any(|d| d.state == crate::health::DependencyState::Down && d.name == proxy_core::error::Backend::Queue);
    let unseen = |condition: &str| queues_unread && condition.starts_with("queue:");
    let mut conditions: std::collections::BTreeMap<&str, (HealthStatus, Vec<&str>)> = Default::default();
    for finding in findings {
        let entry = conditions.entry(finding.condition.as_str()).or_insert((finding.status, Vec::new()));
        entry.0 = entry.0.max(finding.status);
        entry.1.push(finding.message.as_str());
    }
    let (mut opened, mut open, mut resolved, mut resent) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (condition, (status, messages)) in &conditions {
        let severity = if *status == HealthStatus::Critical { AlertSeverity::Critical } else { AlertSeverity::Warning };
        let key = format!("{ALERT_SOURCE}:{condition}");
        let details = serde_json::json!({"condition": condition});
        let sighting = Sighting { severity, source: ALERT_SOURCE, key: &key, message: messages.join(" "), details };
        match alerts::observe(ctx, sighting).await {
            Ok(Observed::Opened(alert)) => opened.push(alert.id),
            Ok(Observed::Repeated(alert)) => open.push(alert.id),
            Err(e) => tracing::error!(error = %e, condition, "could not raise health alert"),
        }
    }
    // The conditions that had an alert and are not found now (every page of the open alerts: capacity alerts
    // share the list).
    let mut after = None;
    for _ in 0..OPEN_ALERT_PAGES {
        let (page, next) = match ctx.stores().alerts.list(true, 100, after).await {
            Ok(page) => page,
            Err(e) => {
                tracing::error!(error = %e, "could not read the open alerts");
                break;
            }
        };
        // Any context's resolution still undelivered goes out again (the list holds them until it is delivered).
        for alert in page.iter().filter(|a| a.state == AlertState::Resolved) {
            match alerts::resend_resolution(ctx, alert).await {
                Ok(true) => resent.push(alert.id.clone()),
                Ok(false) => {}
                Err(e) => tracing::error!(error = %e, key = alert.dedup_key, "could not resend a resolution"),
            }
        }
        let gone = page.iter().filter(|a| {
            a.source == ALERT_SOURCE
                && a.state != AlertState::Resolved
                && a.dedup_key
                    .strip_prefix(ALERT_SOURCE)
                    .and_then(|k| k.strip_prefix(':'))
                    .is_some_and(|c| !conditions.contains_key(c) && !unseen(c))
        });
        for alert in gone {
            match alerts::clear(ctx, &alert.dedup_key).await {
                Ok(Some(cleared)) => resolved.push(cleared.id),
                Ok(None) => {}
                Err(e) => tracing::error!(error = %e, key = alert.dedup_key, "could not resolve health alert"),
            }
        }
        match next {
            Some(cursor) => after = Some(cursor),
            None => break,
        }
    }
    serde_json::json!({"opened": opened, "open": open, "resolved": resolved, "resolution_resent": resent})
}
use proxy_core::domain::{AlertSeverity, AlertState};
use store::Claim;

/// `SYSTEM_HEALTH_CHECK`. Returns a summary (the Lambda's response, useful in the console and in tests). Fails
/// when the payload is not a scheduled invocation or the result cannot be cached — the invocation then shows
/// as an error.
pub async fn health_check(
    ctx: &(impl HealthEnv + AlertsEnv),
    payload: serde_json::Value,
) -> Result<serde_json::Value, String> {
    let invocation = parse_invocation(&payload)?;
    // Single-flight: a run while another is under way (a slow one, a retried delivery) does nothing. When the
    // store cannot say, the check runs all the same: a store that is down is what it must report.
    let owner = match ctx.stores().job_claims.claim(RUN_ID, ctx.clock().now(), RUN_LEASE, RUN_LEASE).await {
        Ok(Claim::Acquired(owner)) => Some(owner),
        Ok(Claim::Busy | Claim::AlreadyDone) => {
            tracing::info!(source = invocation.source, "health check skipped: another run is under way");
            return Ok(serde_json::json!({"skipped": "another run is under way", "invoked_by": invocation.source}));
        }
        Err(error) => {
            tracing::warn!(%error, "health check run not claimed; running anyway");
            None
        }
    };
    let outcome = run(ctx, invocation).await;
    if let Some(owner) = owner
        && let Err(error) = ctx.stores().job_claims.release(RUN_ID, &owner).await
    {
        tracing::warn!(%error, "health check run not released; its lease runs out");
    }
    outcome
}

async fn run(
    ctx: &(impl HealthEnv + AlertsEnv),
    invocation: api::schedule::ScheduledInvocation,
) -> Result<serde_json::Value, String> {
    let report = health::check(ctx, &HealthThresholds::default()).await;
    let text = serde_json::to_string(&report).map_err(|e| e.to_string())?;
    let cached = ctx.cache().set(CACHE_KEY, &text, Some(CACHE_TTL)).await;

    let alert = alert_on(ctx, &report).await;
    // The history uptime is computed from (analytics); a check the store cannot record is a gap in it, which
    // the uptime's coverage shows.
    let outcome = match report.status {
        HealthStatus::Healthy => 2,
        HealthStatus::Degraded => 1,
        HealthStatus::Critical => 0,
    };
    if let Err(error) = ctx.stores().analytics.record_check(report.checked_at, outcome).await {
        tracing::warn!(%error, "health check not recorded in the uptime history");
    }
    tracing::info!(
        source = invocation.source,
        status = ?report.status,
        duration_ms = report.duration_ms,
        cached = cached.is_ok(),
        "health check"
    );
    cached.map_err(|e| format!("health report not cached: {e}"))?;
    Ok(serde_json::json!({
        "status": report.status,
        "checked_at": report.checked_at,
        "cached_as": CACHE_KEY,
        "alert": alert,
        "invoked_by": invocation.source,
    }))
}
