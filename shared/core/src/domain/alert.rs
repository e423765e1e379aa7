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

impl AlertSeverity {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertSeverity::Info => "info",
            AlertSeverity::Warning => "warning",
            AlertSeverity::Critical => "critical",
        }
    }
}

/// Where an alert is in its life: open while its condition lasts (acknowledged once an admin has seen it),
/// resolved when the condition clears. A condition has at most one alert that is not resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertState {
    #[default]
    Open,
    Acknowledged,
    Resolved,
}

impl AlertState {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Open => "open",
            AlertState::Acknowledged => "acknowledged",
            AlertState::Resolved => "resolved",
        }
    }
}

/// What happened to an alert, as its channels are told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertChange {
    #[default]
    Opened,
    /// Seen again at a higher severity while open.
    Escalated,
    Resolved,
}

impl AlertChange {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertChange::Opened => "opened",
            AlertChange::Escalated => "escalated",
            AlertChange::Resolved => "resolved",
        }
    }
}

/// Something an operator should see: raised by health checks, capacity and queue monitors. Records written
/// before the lifecycle existed read as open, seen once, notified.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub id: AlertId,
    pub severity: AlertSeverity,
    /// Where it comes from, e.g. `system-health`.
    pub source: String,
    /// The condition: alerts with the same key are the same condition (one open at a time).
    pub dedup_key: String,
    pub message: String,
    pub details: serde_json::Value,
    pub raised_at: DateTime<Utc>,
    #[serde(default)]
    pub state: AlertState,
    /// How many times the condition was seen while this alert was open.
    #[serde(default = "one")]
    pub occurrences: u64,
    #[serde(default)]
    pub last_seen_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub acknowledged_by: Option<String>,
    #[serde(default)]
    pub acknowledged_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub resolved_at: Option<DateTime<Utc>>,
    /// Whether the channels are to hear of it. A condition that comes back within the quiet period after it
    /// resolved (flapping) opens an alert the channels are not told of — until it lasts the quiet period or
    /// escalates — nor, then, of its resolution.
    #[serde(default = "yes")]
    pub notified: bool,
    /// Whether its opening was delivered (the delivery job says so): until then every sighting sends the notice
    /// again, under the same job id, so a send that failed after the alert opened is not the end of it.
    #[serde(default = "yes")]
    pub announced: bool,
}

fn one() -> u64 {
    1
}

fn yes() -> bool {
    true
}

impl Alert {
    /// A new open alert of a condition, seen once.
    pub fn open(
        severity: AlertSeverity,
        source: &str,
        dedup_key: &str,
        message: String,
        details: serde_json::Value,
        now: DateTime<Utc>,
    ) -> Alert {
        Alert {
            id: AlertId::generate(),
            severity,
            source: source.to_owned(),
            dedup_key: dedup_key.to_owned(),
            message,
            details,
            raised_at: now,
            state: AlertState::Open,
            occurrences: 1,
            last_seen_at: Some(now),
            acknowledged_by: None,
            acknowledged_at: None,
            resolved_at: None,
            notified: true,
            announced: false,
        }
    }
}
