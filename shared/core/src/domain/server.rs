use super::ServerId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServerStatus {
    Up,
    Down,
    /// A standby: healthy but not selling, ready to be put back into service.
    Paused,
    /// Being emptied: serves its clients but sells no new ones, and rebalancing moves clients off it.
    Draining,
}

impl ServerStatus {
    pub const ALL: [ServerStatus; 4] =
        [ServerStatus::Up, ServerStatus::Down, ServerStatus::Paused, ServerStatus::Draining];

    pub fn as_str(self) -> &'static str {
        match self {
            ServerStatus::Up => "up",
            ServerStatus::Down => "down",
            ServerStatus::Paused => "paused",
            ServerStatus::Draining => "draining",
        }
    }
}

/// An X-UI/3x-ui server that hosts proxy clients.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Server {
    pub id: ServerId,
    pub name: String,
    pub location: String,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
    pub status: ServerStatus,
    /// 0 means "not set": such a server sells nothing rather than dividing by zero.
    pub max_clients: u32,
    /// Provisioned clients. `active_clients + held_clients + free_slots == max_clients` always: the three
    /// counters only change together, in conditional store transactions (checkout, provisioning, cancel).
    pub active_clients: u32,
    /// Capacity taken by orders not yet provisioned.
    pub held_clients: u32,
    /// What can still be sold; a checkout's condition is `free_slots >= quantity`, so it never goes negative.
    pub free_slots: u32,
    pub panel_host: String,
    pub panel_port: u16,
    pub created_at: DateTime<Utc>,
}
