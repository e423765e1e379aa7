//! `server_metrics(period)`: per server and per location — clients and utilisation now (the capacity table),
//! sales and revenue over the period and per day (the sales rollups), the load spread across a location's
//! servers, and provisioning's success rate and panel latency (its telemetry, rolled up hourly).

use crate::business::money;
use crate::facts::measure::{CLIENTS, ORDERS, REFUNDS, REVENUE};
use crate::read::{Sums, percent};
use crate::telemetry::measure::{COMPLETED, DISPUTED, PANEL_CALLS, PANEL_FAILED, PANEL_MAX_US, PANEL_US};
use crate::{AnalyticsEnv, Period, Window};
use inventory::view::{LocationSpread, load_spread};
use inventory::{CapacityBand, InventorySettings, capacity_table, rebalance_plan};
use proxy_core::domain::{Dimension, Money, Rollup, ServerStatus};
use proxy_core::error::PortError;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServerMetrics {
    pub period: Period,
    pub servers: Vec<ServerFigures>,
    pub locations: Vec<LocationFigures>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServerFigures {
    pub server_id: String,
    pub name: String,
    pub location: String,
    pub status: ServerStatus,
    /// Provisioned clients now.
    pub clients: u64,
    pub capacity: u64,
    pub utilisation_percent: Option<f64>,
    pub band: Option<CapacityBand>,
    pub sales: Sales,
    pub provisioning: Provisioning,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LocationFigures {
    pub location: String,
    pub servers: usize,
    pub clients: u64,
    pub capacity: u64,
    pub utilisation_percent: Option<f64>,
    pub sales: Sales,
    /// How evenly the location's up servers are loaded.
    pub load_spread: Option<LocationSpread>,
    pub provisioning: Provisioning,
}

/// Sales over the period (orders counted once per server or location they bought from).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Sales {
    pub orders: u64,
    pub clients_sold: u64,
    /// Revenue net of refunds.
    pub revenue: Money,
    pub clients_sold_per_day: Decimal,
    pub revenue_per_day: Money,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Provisioning {
    pub panel_calls: u64,
    pub failed_calls: u64,
    /// Panel calls that succeeded, in percent.
    pub call_success_rate: Option<Decimal>,
    pub average_latency_ms: Option<Decimal>,
    pub max_latency_ms: Option<Decimal>,
    pub orders_completed: u64,
    pub orders_disputed: u64,
    /// Orders provisioned over orders settled (completed or disputed), in percent.
    pub order_success_rate: Option<Decimal>,
}

/// Items summed per value, with the highest `PANEL_MAX_US` (a maximum, not a sum).
fn per_value(items: Vec<Rollup>) -> BTreeMap<String, (Sums, Decimal)> {
    let mut out: BTreeMap<String, (Sums, Decimal)> = BTreeMap::new();
    for item in items {
        let (sums, max) = out.entry(item.value.clone()).or_default();
        *max = (*max).max(item.get(PANEL_MAX_US));
        sums.add(&item);
    }
    out
}

fn sales(sums: &Sums, days: i64) -> Sales {
    let revenue = sums.get(REVENUE) - sums.get(REFUNDS);
    let days = Decimal::from(days.max(1));
    Sales {
        orders: sums.count(ORDERS),
        clients_sold: sums.count(CLIENTS),
        revenue: money(revenue),
        clients_sold_per_day: (sums.get(CLIENTS) / days).round_dp(2).normalize(),
        revenue_per_day: money(revenue / days),
    }
}

fn provisioning(sums: &Sums, max_us: Decimal) -> Provisioning {
    let calls = sums.get(PANEL_CALLS);
    let ms = |us: Decimal| (us / Decimal::ONE_THOUSAND).round_dp(1).normalize();
    let settled = sums.get(COMPLETED) + sums.get(DISPUTED);
    Provisioning {
        panel_calls: sums.count(PANEL_CALLS),
        failed_calls: sums.count(PANEL_FAILED),
        call_success_rate: percent(calls - sums.get(PANEL_FAILED), calls),
        average_latency_ms: (!calls.is_zero()).then(|| ms(sums.get(PANEL_US) / calls)),
        max_latency_ms: (!calls.is_zero()).then(|| ms(max_us)),
        orders_completed: sums.count(COMPLETED),
        orders_disputed: sums.count(DISPUTED),
        order_success_rate: percent(sums.get(COMPLETED), settled),
    }
}

/// The servers now and their period: the servers and the plans, and sales per server and per location and
/// provisioning per server (a query per span each), concurrently. A location's provisioning is the sum of its servers'.
pub async fn server_metrics(ctx: &impl AnalyticsEnv, period: &Period) -> Result<ServerMetrics, PortError> {
    let window: &Window = &period.current;
    let stores = ctx.stores();
    let (servers, plans, sold, sold_by_location, provisioned) = futures_util::join!(
        stores.catalog.servers(),
        stores.catalog.plans(),
        crate::read::rollups(ctx, Dimension::Server, window),
        crate::read::rollups(ctx, Dimension::Location, window),
        crate::read::rollups(ctx, Dimension::Provisioning, window),
    );
    let settings = InventorySettings::default();
    let table = capacity_table(&servers?, &plans?, &settings.bands);
    let spread = load_spread(&table, &rebalance_plan(&table, &settings.rebalance, None, None));
    let sold = per_value(sold?);
    let sold_by_location = per_value(sold_by_location?);
    let provisioned = per_value(provisioned?);
    let none = (Sums::default(), Decimal::ZERO);
    let days = window.days();
    let rows: Vec<ServerFigures> = table
        .servers
        .iter()
        .map(|server| {
            let (sales_sums, _) = sold.get(server.server_id.as_str()).unwrap_or(&none);
            let (provisioning_sums, max_us) = provisioned.get(server.server_id.as_str()).unwrap_or(&none);
            ServerFigures {
                server_id: server.server_id.to_string(),
                name: server.name.clone(),
                location: server.location.clone(),
                status: server.status,
                clients: server.slots.used,
                capacity: server.slots.total,
                utilisation_percent: server.utilisation_percent,
                band: server.band,
                sales: sales(sales_sums, days),
                provisioning: provisioning(provisioning_sums, *max_us),
            }
        })
        .collect();
    let locations = table
        .groups
        .iter()
        .filter(|group| group.protocol.is_none())
        .map(|group| {
            let members: Vec<&str> =
                table.servers.iter().filter(|s| s.location == group.location).map(|s| s.server_id.as_str()).collect();
            let (mut provisioning_sums, mut max_us) = (Sums::default(), Decimal::ZERO);
            for (sums, max) in members.iter().filter_map(|id| provisioned.get(*id)) {
                provisioning_sums.merge(sums);
                max_us = max_us.max(*max);
            }
            let (sales_sums, _) = sold_by_location.get(&group.location).unwrap_or(&none);
            LocationFigures {
                location: group.location.clone(),
                servers: members.len(),
                clients: group.slots.used,
                capacity: group.slots.total,
                utilisation_percent: group.utilisation_percent,
                sales: sales(sales_sums, days),
                load_spread: spread.iter().find(|s| s.location == group.location).cloned(),
                provisioning: provisioning(&provisioning_sums, max_us),
            }
        })
        .collect();
    Ok(ServerMetrics { period: period.clone(), servers: rows, locations })
}
