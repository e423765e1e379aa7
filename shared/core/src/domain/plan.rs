use super::{Money, PlanId, ServerId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub id: PlanId,
    pub server_id: ServerId,
    pub name: String,
    /// Price of one client for `days` days.
    pub price: Money,
    pub days: u32,
    /// vless, vmess, trojan, shadowsocks, ...
    pub protocol: String,
    /// e.g. datacenter, residential, mobile.
    pub plan_type: String,
    /// None = unlimited traffic.
    pub data_limit_gb: Option<u32>,
    pub is_active: bool,
    pub is_popular: bool,
    /// The panel inbound (protocol endpoint on the server) its clients join.
    pub inbound_id: u32,
    pub created_at: DateTime<Utc>,
}
