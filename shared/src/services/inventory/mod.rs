//! Inventory: the servers' capacity as operators see it — per server, location and protocol, with utilisation
//! bands (`capacity`), from the counters checkout holds atomically, and alerts when a server crosses into a
//! higher band (`alerts`), decides per location whether to scale up or down (`scaling`) and plans which
//! clients to move from overloaded to underloaded servers (`rebalance`). Executing the plan and capacity
//! forecasts are to build on these.

pub mod alerts;
pub mod capacity;
pub mod rebalance;
pub mod scaling;

pub use alerts::{BandChange, check_capacity_alerts};
pub use capacity::{CapacityBand, CapacityBands, CapacityTable, GroupCapacity, ServerCapacity, Slots, capacity_table};
pub use rebalance::{Migration, RebalanceRules, rebalance_plan};
pub use scaling::{LocationScaling, ScalingAction, ScalingThresholds, scaling_decisions};

use crate::app::AppContext;
use crate::error::PortError;

/// The capacity table from the store: every server and every plan, two index queries read concurrently
/// (page by page), never one query per server.
pub async fn capacity(ctx: &AppContext, bands: &CapacityBands) -> Result<CapacityTable, PortError> {
    let (servers, plans) = futures_util::future::join(ctx.stores.catalog.servers(), ctx.stores.catalog.plans()).await;
    Ok(capacity_table(&servers?, &plans?, bands))
}
