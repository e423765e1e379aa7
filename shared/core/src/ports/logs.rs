//! The logs port: the system's recent log events, searched newest first (CloudWatch Logs Insights across the
//! functions' log groups in AWS; the process's own events in a local run).

use crate::error::PortResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

impl LogLevel {
    pub const ALL: [LogLevel; 5] = [LogLevel::Trace, LogLevel::Debug, LogLevel::Info, LogLevel::Warn, LogLevel::Error];

    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Trace => "trace",
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
        }
    }

    /// A level as a log line spells it (`INFO`, `warn`, `WARNING`, ...).
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "trace" => Some(LogLevel::Trace),
            "debug" => Some(LogLevel::Debug),
            "info" => Some(LogLevel::Info),
            "warn" | "warning" => Some(LogLevel::Warn),
            "error" | "fatal" | "critical" => Some(LogLevel::Error),
            _ => None,
        }
    }

    /// This level and the ones above it.
    pub fn and_above(self) -> impl Iterator<Item = LogLevel> {
        LogLevel::ALL.into_iter().filter(move |level| *level >= self)
    }
}

/// Where a page of results stopped: the next page has the events before `at_ms`, and those at exactly `at_ms`
/// past the first `given_at_ms` of them (events of one millisecond, in the source's stable order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogPosition {
    /// The time (epoch milliseconds) of the last event given.
    pub at_ms: i64,
    /// How many events of that millisecond were given.
    pub given_at_ms: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogSearch {
    /// One function's events (its name in the route table); None: every function's.
    pub function: Option<String>,
    /// This level and above; None: every level.
    pub min_level: Option<LogLevel>,
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    /// Events whose line contains this text (case-sensitive, as CloudWatch's `like "..."`).
    pub text: Option<String>,
    pub limit: usize,
    /// Continue after a previous page.
    pub after: Option<LogPosition>,
}

impl LogSearch {
    /// Whether an event is one this search asks for, by its time, function, level and line (a source that
    /// cannot filter some of these on its side filters with this).
    pub fn wants(&self, event: &LogEvent) -> bool {
        let at_ms = event.at.timestamp_millis();
        event.at >= self.since
            && event.at <= self.until
            && self.after.is_none_or(|after| at_ms <= after.at_ms)
            && self.function.as_ref().is_none_or(|function| *function == event.function)
            && self.min_level.is_none_or(|min| LogLevel::parse(&event.level).is_some_and(|level| level >= min))
            && self.text.as_ref().is_none_or(|text| event.line.contains(text.as_str()))
    }
}

/// One log event as its source gives it, unredacted: the caller redacts before showing it.
#[derive(Debug, Clone, PartialEq)]
pub struct LogEvent {
    pub at: DateTime<Utc>,
    /// The function that wrote it (its name in the route table, or the process's name locally).
    pub function: String,
    pub level: String,
    /// The line as written (a JSON object for the system's own structured logs).
    pub line: String,
}

/// What making the logs' retention the configured one did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RetentionApplied {
    /// How long the logs are kept; None where the source keeps a number of events instead (the local ring).
    pub days: Option<u32>,
    /// The log groups whose retention was something else, now `days`.
    pub changed: Vec<String>,
}

/// A page of events, and whether more may follow it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LogResults {
    pub events: Vec<LogEvent>,
    /// More events may match after the last one (the source stopped at its limit).
    pub more: bool,
}

#[async_trait]
pub trait LogSource: Send + Sync {
    /// Up to `search.limit` events that `search.wants`, newest first, after `search.after` (events of the same
    /// millisecond in a stable order, so that `given_at_ms` skips the ones already given), and whether more may
    /// follow.
    async fn search(&self, search: &LogSearch) -> PortResult<LogResults>;

    /// Makes every function's log retention the configured one.
    async fn apply_retention(&self) -> PortResult<RetentionApplied>;
}
