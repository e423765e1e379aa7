//! A WebSocket connection of the real-time service and its subscriptions, as the registry keeps them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// API Gateway closes every WebSocket connection after two hours; its registration expires with it.
pub const CONNECTION_LIFETIME_SECS: i64 = 2 * 60 * 60;

/// One open connection: who opened it (the identity its token carried at `$connect`) and its Pusher socket id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Connection {
    /// API Gateway's connection id: what the management API posts to.
    pub connection_id: String,
    /// Pusher's socket id for it (`<digits>.<digits>`), which channel signatures name.
    pub socket_id: String,
    pub subject: String,
    pub groups: Vec<String>,
    pub connected_at: DateTime<Utc>,
}

impl Connection {
    /// When API Gateway will have closed it, whatever happens.
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.connected_at + chrono::Duration::seconds(CONNECTION_LIFETIME_SECS)
    }
}

/// A connection on a channel: where to post, and who it is (a presence channel's member).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subscriber {
    pub connection_id: String,
    pub subject: String,
    /// A presence member's `user_info` (null on other channels).
    #[serde(default)]
    pub user_info: serde_json::Value,
}
