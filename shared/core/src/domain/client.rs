use super::{ClientId, CustomerId, OrderId, PlanId, ServerId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A proxy account on a server's panel, bought through an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerClient {
    /// The client's uuid on the panel.
    pub id: ClientId,
    pub server_id: ServerId,
    pub plan_id: PlanId,
    pub order_id: OrderId,
    pub customer_id: CustomerId,
    pub is_active: bool,
    pub expires_at: DateTime<Utc>,
    pub traffic_used_bytes: u64,
    /// None = unlimited.
    pub traffic_limit_bytes: Option<u64>,
    pub created_at: DateTime<Utc>,
    /// The client's label on its panel (`<order number>-<line>-<unit>`), kept so a migration recreates it under
    /// the same name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub panel_email: Option<String>,
    /// When the customer was told the client is about to expire (once per client).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry_notice_at: Option<DateTime<Utc>>,
}
