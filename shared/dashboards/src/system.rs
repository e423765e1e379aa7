//! `GET /admin/system/dashboard` (`SYSTEM_DASHBOARD`): the system dashboard's data in one call — the latest health
//! check with its six checks, the open alerts, the queue tiles, the cache, capacity, the last maintenance and
//! what is deployed, the caller's unread notifications — read from what is already kept: the health check's
//! cached report (5 minutes), the open alerts' index, the queue and inventory overviews in the cache of views
//! (5 s and 60 s), the last maintenance run. No fan-out per server or queue on a warm path; a part that cannot
//! be read is named and the rest shown.

use api::{ApiError, ApiRequest, Identity};
use chrono::{DateTime, Utc};
use platform::deps::{HasRelease, Release};
use proxy_core::domain::{Alert, AlertSeverity, AlertState, Inbox};
use serde::Serialize;

platform::env!(
    /// What the system dashboard reads: the queues' and the inventory's overviews, the alerts, the health check's
    /// cached report, the caller's notifications and the release.
    DashboardEnv: queues::QueuesEnv, inventory::InventoryEnv, platform::notifications::NotificationsEnv, HasRelease
);

/// Open alerts shown (newest first).
pub const ALERTS_SHOWN: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OverallStatus {
    Healthy,
    Degraded,
    Critical,
    /// No health check in the last 5 minutes.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HealthTile {
    pub checked_at: Option<DateTime<Utc>>,
    /// The latest check's report (dependencies, queues, the data checks, findings); None when none is kept.
    pub report: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertsTile {
    /// The newest open alerts (acknowledged ones included).
    pub open: Vec<Alert>,
    /// More are open than shown.
    pub more: bool,
    pub critical: usize,
    pub warning: usize,
    pub info: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CacheTile {
    /// Redis as the health check's probe saw it (state, latency, server).
    pub probe: Option<serde_json::Value>,
    /// The cache check: hit rates, memory against `maxmemory`, evictions.
    pub check: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OperationsTile {
    pub release: Release,
    /// The last `queue-maintenance` run: when, and what it deleted per queue.
    pub last_queue_maintenance: Option<serde_json::Value>,
    /// The last `inventory-check` run.
    pub last_inventory_check: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotificationsTile {
    pub unread_count: usize,
    pub unread_more: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SystemDashboard {
    pub generated_at: DateTime<Utc>,
    pub status: OverallStatus,
    pub health: HealthTile,
    pub alerts: Option<AlertsTile>,
    /// Every queue's backlog, in flight, dead letters and age, and per job type its throughput, failure rate and
    /// runtimes (`GET /admin/system/queue`'s stats and health).
    pub queues: Option<serde_json::Value>,
    pub cache: CacheTile,
    /// Capacity per location and protocol, the band alerts, scaling and load spread (`GET /admin/inventory`
    /// without its per-server rows).
    pub capacity: Option<serde_json::Value>,
    pub operations: OperationsTile,
    pub notifications: Option<NotificationsTile>,
    /// Today's sales and active customers (`GET /admin/analytics/realtime` has the live windows).
    pub analytics: Option<analytics::realtime::Today>,
    /// The parts that could not be read, and why; the others are shown.
    pub unavailable: Vec<String>,
}

/// The dashboard for `reader`: every part read at once.
pub async fn system_dashboard(ctx: &impl DashboardEnv, reader: &str) -> SystemDashboard {
    let now = ctx.clock().now();
    let settings = inventory::InventorySettings::default();
    let (health, alerts, queues, capacity, maintenance, notifications, today) = tokio::join!(
        ctx.cache().get(monitoring::health::CACHE_KEY),
        open_alerts(ctx),
        queues::cached::cached_overview(ctx),
        inventory::cached::cached_overview(ctx, &settings),
        ctx.stores().queue_runs.recent::<queues::MaintenanceReport>(1),
        unread(ctx, reader),
        analytics::realtime::today(ctx),
    );
    let mut unavailable = Vec::new();
    let mut part = |name: &str, error: &dyn std::fmt::Display| {
        tracing::warn!(part = name, %error, "dashboard part not read");
        unavailable.push(format!("{name}: {error}"));
    };
    let report: Option<serde_json::Value> = match health {
        Ok(Some(text)) => serde_json::from_str(&text).ok(),
        Ok(None) => None,
        Err(error) => {
            part("health", &error);
            None
        }
    };
    let status = match report.as_ref().and_then(|r| r["status"].as_str()) {
        Some("healthy") => OverallStatus::Healthy,
        Some("degraded") => OverallStatus::Degraded,
        Some("critical") => OverallStatus::Critical,
        _ => OverallStatus::Unknown,
    };
    let named = |list: &str, name: &str| -> Option<serde_json::Value> {
        report.as_ref()?[list].as_array()?.iter().find(|item| item["name"] == name).cloned()
    };
    let cache = CacheTile { probe: named("dependencies", "cache"), check: named("checks", "cache") };
    let health = HealthTile {
        checked_at: report.as_ref().and_then(|r| serde_json::from_value(r["checked_at"].clone()).ok()),
        note: report.is_none().then(|| {
            "No health check in the last 5 minutes (system-health-check runs every 5; GET /admin/system/health runs \
             one now)."
                .to_owned()
        }),
        report,
    };
    let alerts = alerts.map_err(|e| part("alerts", &e)).ok();
    let queues = queues
        .map(|overview| serde_json::json!({"stats": overview["stats"], "health": overview["health"], "scaling": overview["scaling"]}))
        .map_err(|e| part("queues", &e))
        .ok();
    let (capacity, last_inventory_check) = match capacity {
        Ok(overview) => (
            Some(serde_json::json!({
                "generated_at": overview["generated_at"],
                "locations": overview["capacity"]["groups"],
                "alerts": overview["alerts"],
                "load_balancing": overview["load_balancing"],
                "scaling": overview["scaling"],
            })),
            Some(overview["last_check"].clone()).filter(|c| !c.is_null()),
        ),
        Err(error) => {
            part("capacity", &error);
            (None, None)
        }
    };
    let last_queue_maintenance = match maintenance {
        Ok(runs) => runs.into_iter().next().and_then(|run| serde_json::to_value(run).ok()),
        Err(error) => {
            part("queue maintenance", &error);
            None
        }
    };
    let notifications = notifications.map_err(|e| part("notifications", &e)).ok();
    SystemDashboard {
        generated_at: now,
        status,
        health,
        alerts,
        queues,
        cache,
        capacity,
        operations: OperationsTile { release: ctx.release().clone(), last_queue_maintenance, last_inventory_check },
        notifications,
        analytics: match today {
            Ok(today) => Some(today),
            Err(error) => {
                part("analytics", &error);
                None
            }
        },
        unavailable,
    }
}

/// The newest open alerts and their severities: one query.
async fn open_alerts(ctx: &impl DashboardEnv) -> Result<AlertsTile, proxy_core::error::PortError> {
    let (mut open, next) = ctx.stores().alerts.list(true, ALERTS_SHOWN + 1, None).await?;
    // Resolved ones wait in the open index until their resolution is delivered.
    open.retain(|alert| alert.state != AlertState::Resolved);
    let more = open.len() > ALERTS_SHOWN || next.is_some();
    open.truncate(ALERTS_SHOWN);
    let count = |severity: AlertSeverity| open.iter().filter(|a| a.severity == severity).count();
    Ok(AlertsTile {
        critical: count(AlertSeverity::Critical),
        warning: count(AlertSeverity::Warning),
        info: count(AlertSeverity::Info),
        more,
        open,
    })
}

/// The reader's unread dashboard notifications: their read state, then the count (three reads).
async fn unread(ctx: &impl DashboardEnv, reader: &str) -> Result<NotificationsTile, proxy_core::error::PortError> {
    let store = &ctx.stores().notifications;
    let state = store.read_state(&Inbox::Admins, reader).await?;
    let unread = store.unread(&Inbox::Admins, &state).await?;
    Ok(NotificationsTile { unread_count: unread.count, unread_more: unread.more })
}

/// `GET /admin/system/dashboard`.
pub async fn endpoint(
    ctx: &impl DashboardEnv,
    _request: ApiRequest,
    caller: Identity,
) -> Result<SystemDashboard, ApiError> {
    Ok(system_dashboard(ctx, &caller.subject).await)
}
