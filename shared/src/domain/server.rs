use super::ServerId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServerStatus {
    Up,
    Down,
    Paused,
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
    /// Maintained atomically by checkout and provisioning; never above `max_clients`.
    pub active_clients: u32,
    pub panel_host: String,
    pub panel_port: u16,
    pub created_at: DateTime<Utc>,
}

impl Server {
    pub fn free_slots(&self) -> u32 {
        self.max_clients.saturating_sub(self.active_clients)
    }
}
