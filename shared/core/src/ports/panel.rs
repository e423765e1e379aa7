//! The X-UI / 3x-ui panel of a server: where a proxy client really comes to exist. Provisioning talks to it
//! only through this port.

use crate::domain::{ClientId, Server};
use crate::error::PortResult;
use async_trait::async_trait;

/// A client as the panel needs it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PanelClientSpec {
    /// The client's uuid (its login on the panel).
    pub id: ClientId,
    /// The panel's unique label for the client.
    pub email: String,
    /// The panel inbound (protocol endpoint) the client joins.
    pub inbound_id: u32,
    /// 0 = unlimited.
    pub total_bytes: u64,
    /// Epoch milliseconds.
    pub expiry_time_ms: i64,
}

#[async_trait]
pub trait PanelClient: Send + Sync {
    /// Creates the client; creating one that exists already succeeds (provisioning may be redelivered).
    async fn add_client(&self, server: &Server, client: &PanelClientSpec) -> PortResult<()>;
    /// Removes the client; removing one that does not exist succeeds.
    async fn remove_client(&self, server: &Server, inbound_id: u32, client: &ClientId) -> PortResult<()>;
    /// Whether the panel answers at all (any HTTP answer counts): one request, no login, within the adapter's
    /// short probe limit (`PROBE_LIMIT`).
    async fn probe(&self, server: &Server) -> PortResult<()>;
}

/// How long a probe waits for a panel.
pub const PROBE_LIMIT: std::time::Duration = std::time::Duration::from_secs(1);
