//! What operators see and do: `GET /admin/inventory` (the overview), `POST /admin/inventory/rebalance` and
//! `POST /admin/inventory/servers/{id}/status`.
//!
//! The overview is five queries, all concurrent and none per server: the servers and the plans (two index
//! partitions), the band states, the stored forecast (an item per location) and the latest check. Scaling decisions are computed from
//! the live table; the forecast is the one the last check stored.

use super::InventoryEnv;
use super::check::{ForecastSummary, InventoryCheck, InventorySettings};
use super::migration::{QueuedMigration, execute_plan};
use super::{
    CapacityBand, CapacityTable, LocationScaling, Migration, capacity_table, rebalance_plan, scaling_decisions,
};
use chrono::{DateTime, Utc};
use proxy_core::domain::LocationForecast;
use proxy_core::domain::{Server, ServerId, ServerStatus};
use proxy_core::error::PortError;
use serde::Serialize;
use store::BandState;

/// A server in the warning or critical band, since when.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CapacityAlert {
    pub server_id: ServerId,
    pub name: String,
    pub location: String,
    pub band: CapacityBand,
    pub since: DateTime<Utc>,
    pub utilisation_percent: Option<f64>,
}

/// How evenly a location's `up` servers are loaded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LocationSpread {
    pub location: String,
    pub servers_up: usize,
    pub min_utilisation_percent: Option<f64>,
    pub max_utilisation_percent: Option<f64>,
    pub mean_utilisation_percent: Option<f64>,
    /// Max minus min, in percentage points.
    pub spread_points: Option<f64>,
    /// Clients the rebalance rules would move now.
    pub rebalance_clients: u64,
    /// Nothing to move under the rebalance rules.
    pub balanced: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ForecastView {
    #[serde(flatten)]
    pub summary: ForecastSummary,
    pub locations: Vec<LocationForecast>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InventoryOverview {
    pub generated_at: DateTime<Utc>,
    pub capacity: CapacityTable,
    pub alerts: Vec<CapacityAlert>,
    pub load_balancing: Vec<LocationSpread>,
    pub scaling: Vec<LocationScaling>,
    /// None until the first inventory check has run.
    pub forecast: Option<ForecastView>,
    pub last_check: Option<InventoryCheck>,
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// How evenly each location's `up` servers are loaded, and what the rebalance `plan` would move there.
pub fn load_spread(table: &CapacityTable, plan: &[Migration]) -> Vec<LocationSpread> {
    table
        .groups
        .iter()
        .filter(|g| g.protocol.is_none())
        .map(|group| {
            let shares: Vec<f64> = table
                .servers
                .iter()
                .filter(|s| s.location == group.location && s.status == ServerStatus::Up)
                .filter_map(|s| s.utilisation_percent)
                .collect();
            let min = shares.iter().copied().reduce(f64::min);
            let max = shares.iter().copied().reduce(f64::max);
            let rebalance_clients = plan.iter().filter(|m| m.location == group.location).map(|m| m.clients).sum();
            LocationSpread {
                location: group.location.clone(),
                servers_up: group.servers_up,
                min_utilisation_percent: min,
                max_utilisation_percent: max,
                mean_utilisation_percent: (!shares.is_empty())
                    .then(|| round1(shares.iter().sum::<f64>() / shares.len() as f64)),
                spread_points: min.zip(max).map(|(min, max)| round1(max - min)),
                rebalance_clients,
                balanced: rebalance_clients == 0,
            }
        })
        .collect()
}

pub async fn overview(ctx: &impl InventoryEnv, settings: &InventorySettings) -> Result<InventoryOverview, PortError> {
    let stores = ctx.stores();
    let (servers, plans, bands, forecast, checks) = futures_util::join!(
        stores.catalog.servers(),
        stores.catalog.plans(),
        stores.inventory.bands(),
        stores.inventory.forecast(),
        stores.inventory.recent_checks::<InventoryCheck>(1),
    );
    let table = capacity_table(&servers?, &plans?, &settings.bands);
    let bands = bands?;
    let alerts = table
        .servers
        .iter()
        .filter_map(|s| {
            let state: &BandState = bands.get(&s.server_id)?;
            (state.band >= CapacityBand::Warning && s.band == Some(state.band)).then(|| CapacityAlert {
                server_id: s.server_id.clone(),
                name: s.name.clone(),
                location: s.location.clone(),
                band: state.band,
                since: state.since,
                utilisation_percent: s.utilisation_percent,
            })
        })
        .collect();
    let plan = rebalance_plan(&table, &settings.rebalance, None, None);
    Ok(InventoryOverview {
        generated_at: ctx.clock().now(),
        alerts,
        load_balancing: load_spread(&table, &plan),
        scaling: scaling_decisions(&table, &settings.scaling),
        forecast: forecast?.map(|f| ForecastView { summary: ForecastSummary::of(&f), locations: f.locations }),
        last_check: checks?.into_iter().next(),
        capacity: table,
    })
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rebalance {
    pub dry_run: bool,
    pub location: Option<String>,
    pub limit: Option<u64>,
    pub plan: Vec<Migration>,
    pub clients_planned: u64,
    /// One job per client moved (empty on a dry run). Fewer than planned when a source has fewer clients of
    /// the shared protocols than its counters say.
    pub jobs: Vec<QueuedMigration>,
}

/// The rebalance plan for `location` (or all), at most `limit` clients; executed unless `dry_run`.
pub async fn rebalance(
    ctx: &impl InventoryEnv,
    settings: &InventorySettings,
    dry_run: bool,
    location: Option<String>,
    limit: Option<u64>,
) -> Result<Rebalance, PortError> {
    let (servers, plans) = futures_util::join!(ctx.stores().catalog.servers(), ctx.stores().catalog.plans());
    let plans = plans?;
    let table = capacity_table(&servers?, &plans, &settings.bands);
    let plan = rebalance_plan(&table, &settings.rebalance, location.as_deref(), limit);
    let jobs = if dry_run { Vec::new() } else { execute_plan(ctx, &plan, &plans).await? };
    Ok(Rebalance { dry_run, location, limit, clients_planned: plan.iter().map(|m| m.clients).sum(), plan, jobs })
}

#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    #[error("server not found")]
    NotFound,
    /// Its status changed between the read and the write: the caller may retry with what is there now.
    #[error("the server's status changed meanwhile (now {0:?})")]
    Changed(ServerStatus),
    #[error(transparent)]
    Port(#[from] PortError),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusChange {
    pub server: Server,
    pub previous_status: ServerStatus,
}

/// An operator sets a server's status (up, down, paused, draining).
pub async fn set_server_status(
    ctx: &impl InventoryEnv,
    id: &ServerId,
    to: ServerStatus,
) -> Result<StatusChange, StatusError> {
    let server = ctx.stores().catalog.server(id).await?.ok_or(StatusError::NotFound)?;
    if server.status == to {
        return Ok(StatusChange { previous_status: server.status, server });
    }
    match ctx.stores().catalog.set_status(id, server.status, to).await {
        Ok(updated) => {
            crate::cached::inventory_changed(ctx).await;
            tracing::warn!(server_id = %id, from = server.status.as_str(), to = to.as_str(), "server status set by an operator");
            Ok(StatusChange { server: updated, previous_status: server.status })
        }
        Err(PortError::Conflict { .. }) => {
            let now = ctx.stores().catalog.server(id).await?.ok_or(StatusError::NotFound)?;
            Err(StatusError::Changed(now.status))
        }
        Err(e) => Err(e.into()),
    }
}
