use super::JobId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The five priority queues (the original's `high, default, low, analytics, notifications`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    High,
    Default,
    Low,
    Analytics,
    Notifications,
}

impl Priority {
    pub const ALL: [Priority; 5] =
        [Priority::High, Priority::Default, Priority::Low, Priority::Analytics, Priority::Notifications];

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::High => "high",
            Priority::Default => "default",
            Priority::Low => "low",
            Priority::Analytics => "analytics",
            Priority::Notifications => "notifications",
        }
    }

    pub fn parse(s: &str) -> Option<Priority> {
        Priority::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// The envelope every queued job travels in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub id: JobId,
    pub job_type: String,
    pub payload: serde_json::Value,
    pub dispatched_at: DateTime<Utc>,
}
