//! A server's capacity as the inventory keeps it: its slot counters, the utilisation band it was last seen in,
//! and a counter drift waiting to be confirmed. The inventory context computes them; the store keeps them.

use super::{Server, ServerId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A server's utilisation band (the bands' edges are the inventory's settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CapacityBand {
    Low,
    Normal,
    Warning,
    Critical,
}

impl CapacityBand {
    pub fn as_str(self) -> &'static str {
        match self {
            CapacityBand::Low => "low",
            CapacityBand::Normal => "normal",
            CapacityBand::Warning => "warning",
            CapacityBand::Critical => "critical",
        }
    }
}

/// A server's slot counters: provisioned clients, held (sold, not yet provisioned) and free.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotCounters {
    pub used: u32,
    pub held: u32,
    pub free: u32,
}

impl SlotCounters {
    pub fn of(server: &Server) -> Self {
        SlotCounters { used: server.active_clients, held: server.held_clients, free: server.free_slots }
    }
}

/// A drift sighting of reconciliation, as stored between runs: repaired when the next run sees the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriftSuspect {
    pub server_id: ServerId,
    pub counters: SlotCounters,
    pub counted: SlotCounters,
    pub seen_at: DateTime<Utc>,
}

/// What the inventory check last decided for a location, as it records it: a "provision a server" alert is
/// raised when a location moves into `ProvisionServer`, so once per episode however many checks see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocationScalingState {
    ActivateStandby,
    ProvisionServer,
    Drain,
    Hold,
    /// The "provision a server" alert could not be sent: the next check moves in again and raises it.
    #[serde(rename = "unsent")]
    AlertUnsent,
}
