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
    /// When an operator last moved it back from its dead-letter queue (`retry_failed`): its wait for a worker
    /// runs from here, not from its dispatch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requeued_at: Option<DateTime<Utc>>,
}

/// A job whose message failed: the worker records every failed attempt here, so an operator sees *why* a job
/// failed, not only how many did. `dead` marks the last attempt, after which SQS moves the message to its
/// dead-letter queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailedJob {
    /// The job's id, or `message:<message id>` for a body that is not a job.
    pub job_id: String,
    /// `unknown` for a body that is not a job.
    pub job_type: String,
    /// The queue it came from, when the delivery said.
    pub queue: Option<Priority>,
    pub message_id: String,
    /// The last attempt's error.
    pub error: String,
    /// Attempts so far (the message's receive count at the last failure).
    pub attempts: u32,
    pub first_failed_at: DateTime<Utc>,
    pub last_failed_at: DateTime<Utc>,
    /// What the job was asked to do (null for a body that is not a job).
    pub payload: serde_json::Value,
    pub dead: bool,
}
