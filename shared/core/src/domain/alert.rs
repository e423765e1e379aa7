use super::AlertId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertSeverity {
    Info,
    Warning,
    Critical,
}

/// Something an operator should see: raised by health checks and (later) capacity and queue monitors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub id: AlertId,
    pub severity: AlertSeverity,
    /// Where it comes from, e.g. `system-health`.
    pub source: String,
    /// Alerts with the same key are the same condition; used for deduplication and throttling.
    pub dedup_key: String,
    pub message: String,
    pub details: serde_json::Value,
    pub raised_at: DateTime<Utc>,
}
