//! Inventory: the servers' capacity as operators see it and keep it healthy.
//! - `capacity`: per server, location and protocol, with utilisation bands, from the counters checkout,
//!   provisioning and cancellation keep in conditional transactions;
//! - `holds`: capacity held by an order never provisioned comes back after 24 h, exactly once;
//! - `reconcile`: the counters recomputed from clients and pending orders, drift repaired;
//! - `alerts`: an alert when a server crosses into a higher band;
//! - `scaling`: per location, put a standby back, ask for a server or drain one;
//! - `rebalance` (the plan) and `migration` (its execution: one job per client, run by the queue worker);
//! - `forecast`: sales per day forecast with intervals, and the day free slots run out;
//! - `expiry`: clients past their subscription taken off their panel and their slots freed, customers told
//!   three days before (the hourly `client-expiry` sweep, one worker job per client);
//! - `check`: the scheduled run of all of the above; `view`: what the admin endpoints answer; `requests`: their
//!   inputs.

pub mod alerts;
pub mod cached;
pub mod capacity;
pub mod check;
pub mod endpoints;
pub mod expiry;
pub mod forecast;
pub mod holds;
pub mod jobs;
pub mod migration;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod rebalance;
pub mod reconcile;
pub mod requests;
pub mod scaling;
pub mod scheduled;
pub mod view;

pub use alerts::{BandChange, check_capacity_alerts};
pub use capacity::{CapacityBands, CapacityTable, GroupCapacity, ServerCapacity, Slots, capacity_table};
pub use check::{InventoryCheck, InventorySettings, run_check};
pub use holds::{
    HOLD_DURATION, HoldExpiry, PROCESSING_REDRIVE_FOR, PROCESSING_STUCK, PROVISIONING_OVERDUE, ProvisioningResent,
    expire_hold, expire_holds, resend_provisioning,
};
pub use proxy_core::domain::CapacityBand;
pub use rebalance::{Migration, RebalanceRules, rebalance_plan};
pub use reconcile::{Reconciliation, reconcile};
pub use scaling::{LocationScaling, ScalingAction, ScalingThresholds, scaling_decisions};
pub use view::{InventoryOverview, Rebalance, StatusChange, StatusError, overview, rebalance, set_server_status};

use proxy_core::error::PortError;

platform::env!(
    /// What the inventory needs: checkout's dependencies (holds expire through cancellation), the panels (migrations) and the cache (alerts).
    InventoryEnv: orders::OrdersEnv, platform::deps::HasPanel, platform::deps::HasCache
);

/// The capacity table from the store: every server and every plan, two index queries read concurrently
/// (page by page), never one query per server.
pub async fn capacity(ctx: &impl InventoryEnv, bands: &CapacityBands) -> Result<CapacityTable, PortError> {
    let (servers, plans) =
        futures_util::future::join(ctx.stores().catalog.servers(), ctx.stores().catalog.plans()).await;
    Ok(capacity_table(&servers?, &plans?, bands))
}
