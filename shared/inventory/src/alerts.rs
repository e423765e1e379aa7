//! Capacity alerts: a server's alert opens when it crosses into the warning or critical band, follows it between
//! the two (going up to critical is announced again) and resolves when it falls below warning — on band changes,
//! not on every check while it stays. The band each server was last seen in is stored (`InventoryStore`) and
//! moved by a conditional write from the band this check saw, so concurrent checks over one crossing act once.
//! A server that crosses up again within the alerts' quiet period is flapping: its alert opens unannounced.
//! (The original alerted above 90 / 75 % on every run, and its bands started at 90 / 75 %: here the alert
//! follows the band, so the table and the alerts never disagree.)

use super::InventoryEnv;
use super::{CapacityBand, CapacityTable};
use platform::alerts::{self, Sighting};
use proxy_core::domain::{AlertSeverity, ServerId};
use proxy_core::error::PortError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BandChange {
    pub server_id: ServerId,
    pub from: Option<CapacityBand>,
    pub to: CapacityBand,
    /// The server's alert, when it is in the warning or critical band.
    pub alert_id: Option<String>,
}

pub const SOURCE: &str = "inventory";

/// Records every server whose band changed since the last check and alerts on upward crossings into
/// warning or critical. Returns the changes this check recorded (not those another check won).
pub async fn check_capacity_alerts(
    ctx: &impl InventoryEnv,
    table: &CapacityTable,
) -> Result<Vec<BandChange>, PortError> {
    let known = ctx.stores().inventory.bands().await?;
    let now = ctx.clock().now();
    let mut changes = Vec::new();
    for server in &table.servers {
        let Some(band) = server.band else { continue };
        let from = known.get(&server.server_id).map(|s| s.band);
        if from == Some(band) {
            continue;
        }
        if !ctx.stores().inventory.move_band(&server.server_id, from, band, now).await? {
            continue;
        }
        // One condition per server, `capacity:<server>`: open while it is in the warning or critical band (its
        // severity following the band: going up to critical is announced again), resolved when it falls below.
        let key = format!("capacity:{}", server.server_id);
        let severity = match band {
            CapacityBand::Critical => Some(AlertSeverity::Critical),
            CapacityBand::Warning => Some(AlertSeverity::Warning),
            CapacityBand::Low | CapacityBand::Normal => None,
        };
        let raised = match severity {
            Some(severity) => {
                let message = format!(
                    "server {} ({}) is at {}% of its capacity: {} used, {} held, {} free",
                    server.name,
                    server.location,
                    server.utilisation_percent.unwrap_or_default(),
                    server.slots.used,
                    server.slots.held,
                    server.slots.free
                );
                let details =
                    serde_json::json!({"server_id": server.server_id, "from": from, "to": band, "slots": server.slots});
                let sighting = Sighting { severity, source: SOURCE, key: &key, message, details };
                alerts::observe(ctx, sighting).await.map(|observed| Some(observed.alert().id.to_string()))
            }
            None => alerts::clear(ctx, &key).await.map(|_| None),
        };
        let alert_id = match raised {
            Ok(alert_id) => alert_id,
            Err(error) => {
                // Not raised (or not resolved): take the move back so the next check does it (or says why not).
                if let Err(undo) = ctx.stores().inventory.undo_move(&server.server_id, from, band, now).await {
                    tracing::error!(server_id = %server.server_id, error = %undo, "capacity band move not undone");
                }
                return Err(error);
            }
        };
        changes.push(BandChange { server_id: server.server_id.clone(), from, to: band, alert_id });
    }
    Ok(changes)
}
