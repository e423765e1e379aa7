//! Capacity alerts: a server alerts when it crosses into the warning or critical band (upwards), not on every
//! check while it stays there. The band each server was last seen in is stored (`InventoryStore`) and moved
//! by a conditional write from the band this check saw, so concurrent checks over one crossing raise one
//! alert. A server that falls back to a lower band is recorded silently; crossing up again alerts again.
//! (The original alerted above 90 / 75 % on every run, and its bands started at 90 / 75 %: here the alert
//! follows the band, so the table and the alerts never disagree.)

use super::InventoryEnv;
use super::{CapacityBand, CapacityTable};
use platform::alerts;
use proxy_core::domain::{AlertSeverity, ServerId};
use proxy_core::error::PortError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BandChange {
    pub server_id: ServerId,
    pub from: Option<CapacityBand>,
    pub to: CapacityBand,
    /// The alert raised for it (crossings into warning or critical).
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
        let upward = from.is_none_or(|previous| band > previous);
        let severity = match band {
            CapacityBand::Critical => Some(AlertSeverity::Critical),
            CapacityBand::Warning => Some(AlertSeverity::Warning),
            CapacityBand::Low | CapacityBand::Normal => None,
        };
        let mut alert_id = None;
        if let (true, Some(severity)) = (upward, severity) {
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
            let key = format!("capacity:{}:{}", server.server_id, band.as_str());
            match alerts::send(ctx, severity, SOURCE, &key, message, details).await {
                Ok(alert) => alert_id = Some(alert.id.to_string()),
                Err(error) => {
                    // Not sent: take the move back so the next check raises it (or says why it cannot).
                    if let Err(undo) = ctx.stores().inventory.undo_move(&server.server_id, from, band, now).await {
                        tracing::error!(server_id = %server.server_id, error = %undo, "capacity band move not undone");
                    }
                    return Err(error);
                }
            }
        }
        changes.push(BandChange { server_id: server.server_id.clone(), from, to: band, alert_id });
    }
    Ok(changes)
}
