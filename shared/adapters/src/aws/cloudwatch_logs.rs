//! The logs port on CloudWatch Logs: one Logs Insights query across the functions' log groups (newest first,
//! bounded by `limit`), polled until it completes or the time limit passes (then stopped). Filters the query
//! cannot be trusted to apply — an emulator ignores `filter` — are applied again here (`LogSearch::wants`),
//! so the answer is the same either way. Also sets the log groups' retention (`log-cleanup`).

use async_trait::async_trait;
use aws_sdk_cloudwatchlogs::Client;
use aws_sdk_cloudwatchlogs::types::QueryStatus;
use chrono::{DateTime, NaiveDateTime, Utc};
use proxy_core::error::{Backend, PortError, PortResult, describe};
use proxy_core::ports::logs::{LogEvent, LogResults, LogSearch, LogSource, RetentionApplied};
use std::time::Duration;

/// Rows asked beyond a page after a previous one, for the events of its last second it has given or passed.
const SAME_SECOND_ROWS: usize = 100;

/// How long logs are kept unless configured otherwise.
pub const DEFAULT_RETENTION_DAYS: u32 = 30;
/// The retention periods CloudWatch Logs accepts, in days.
pub const RETENTION_DAYS: [u32; 22] =
    [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/// The most log groups one Insights query may name.
pub const MAX_LOG_GROUPS: usize = 50;

#[derive(Clone)]
pub struct CloudWatchLogs {
    client: Client,
    /// Every function's log group is this prefix and its name (`/aws/lambda/1000proxy-<stage>-`).
    group_prefix: String,
    functions: Vec<String>,
    /// The retention `apply_retention` gives every function's log group.
    retention_days: u32,
    /// How long a query may run before it is stopped (and each call's own limit).
    deadline: Duration,
}

fn unavailable(error: impl std::error::Error) -> PortError {
    PortError::unavailable(Backend::Logs, describe(&error))
}

impl CloudWatchLogs {
    pub fn new(sdk: &aws_config::SdkConfig, group_prefix: impl Into<String>, functions: Vec<String>) -> Self {
        Self {
            client: Client::new(sdk),
            group_prefix: group_prefix.into(),
            functions,
            retention_days: DEFAULT_RETENTION_DAYS,
            deadline: Duration::from_secs(8),
        }
    }

    /// Keeps the functions' logs `days` (one of CloudWatch's retention values: `RETENTION_DAYS`).
    pub fn with_retention_days(mut self, days: u32) -> Self {
        self.retention_days = days;
        self
    }

    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// A function's log group.
    pub fn group_of(&self, function: &str) -> String {
        format!("{}{function}", self.group_prefix)
    }

    /// The Insights query of a search (its filters, newest first, enough rows for the page after `after`).
    pub fn query_string(search: &LogSearch) -> String {
        // Embedded metrics are data for CloudWatch, not events to read.
        let mut query = String::from("fields @timestamp, @message, @log | filter not ispresent(_aws.Timestamp)");
        if let Some(min) = search.min_level {
            let levels: Vec<String> = min.and_above().map(|l| format!("\"{}\"", l.as_str().to_uppercase())).collect();
            // A line without a level (a panic, "Task timed out", the platform's START and REPORT) is judged here.
            query.push_str(&format!(" | filter level in [{}] or not ispresent(level)", levels.join(", ")));
        }
        if let Some(text) = &search.text {
            let escaped = text.replace('\\', "\\\\").replace('"', "\\\"");
            query.push_str(&format!(" | filter @message like \"{escaped}\""));
        }
        // After a page, the query ends on the second of its last event (its end time is in seconds): the rows of
        // that second newer than the event, and those of its millisecond already given, come first.
        let rows =
            search.limit.saturating_add(search.after.map_or(0, |a| a.given_at_ms.saturating_add(SAME_SECOND_ROWS)));
        query.push_str(&format!(" | sort @timestamp desc | limit {}", rows.clamp(1, 10_000)));
        query
    }

    /// The log groups under the prefix, with their retention in days (None: kept for ever).
    async fn groups_with_retention(&self) -> PortResult<std::collections::BTreeMap<String, Option<i32>>> {
        let mut next = None;
        let mut existing = std::collections::BTreeMap::new();
        loop {
            let call = self.client.describe_log_groups().log_group_name_prefix(&self.group_prefix).set_next_token(next);
            let page = tokio::time::timeout(self.deadline, call.send())
                .await
                .map_err(|_| PortError::Timeout { backend: Backend::Logs, operation: "describe_log_groups" })?
                .map_err(unavailable)?;
            for group in page.log_groups.unwrap_or_default() {
                if let Some(name) = group.log_group_name {
                    existing.insert(name, group.retention_in_days);
                }
            }
            next = page.next_token;
            if next.is_none() {
                return Ok(existing);
            }
        }
    }

    async fn existing_groups(&self) -> PortResult<std::collections::BTreeSet<String>> {
        Ok(self.groups_with_retention().await?.into_keys().collect())
    }

    /// Sets the retention of every function's log group to `days`; returns the groups it changed (absent groups
    /// — a function that never ran — are skipped).
    async fn set_retention(&self, days: i32) -> PortResult<Vec<String>> {
        let existing = self.groups_with_retention().await?;
        let mut changed = Vec::new();
        for function in &self.functions {
            let group = self.group_of(function);
            match existing.get(&group) {
                Some(Some(current)) if *current == days => {}
                Some(_) => {
                    let call = self.client.put_retention_policy().log_group_name(&group).retention_in_days(days);
                    tokio::time::timeout(self.deadline, call.send())
                        .await
                        .map_err(|_| PortError::Timeout { backend: Backend::Logs, operation: "put_retention_policy" })?
                        .map_err(unavailable)?;
                    changed.push(group);
                }
                None => {}
            }
        }
        Ok(changed)
    }

    fn function_of(&self, group: &str) -> String {
        // CloudWatch names the group as `<account>:<name>`; an emulator as `<name>`.
        let name = group.rsplit_once(':').map_or(group, |(_, name)| name);
        name.strip_prefix(&self.group_prefix).unwrap_or(name).to_owned()
    }
}

/// The rows a search's query asks for: its page, and after a previous page the events of its last second it has
/// given or passed.
fn query_rows(search: &LogSearch) -> usize {
    let rows = search.limit.saturating_add(search.after.map_or(0, |a| a.given_at_ms.saturating_add(SAME_SECOND_ROWS)));
    rows.clamp(1, 10_000)
}

/// An embedded-metric line (CloudWatch's `_aws` document), not an event.
fn is_embedded_metric(line: &str) -> bool {
    line.starts_with('{') && serde_json::from_str::<serde_json::Value>(line).is_ok_and(|v| v.get("_aws").is_some())
}

/// `@timestamp` as CloudWatch writes it (`2026-11-30 09:00:00.123`, UTC) or as epoch milliseconds.
fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(millis) = text.parse::<i64>() {
        return DateTime::from_timestamp_millis(millis);
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").ok().map(|t| t.and_utc())
}

/// The level a line carries: the system's JSON logs say (`level`); the platform's own lines (`START`, `END`,
/// `REPORT`, `INIT_START`) are info; any other plain line — a panic, `Task timed out`, the runtime's errors — is
/// an error.
fn level_of(line: &str) -> String {
    if let Some(level) = serde_json::from_str::<serde_json::Value>(line)
        .ok()
        .and_then(|v| v.get("level").and_then(|l| l.as_str()).map(str::to_lowercase))
    {
        return level;
    }
    let platform = ["START ", "END ", "REPORT ", "INIT_START ", "INIT_REPORT ", "EXTENSION ", "TELEMETRY "];
    if platform.iter().any(|prefix| line.starts_with(prefix)) { "info" } else { "error" }.to_owned()
}

impl CloudWatchLogs {
    /// The rows of one Insights query over `groups` (at most `MAX_LOG_GROUPS`), within the search's deadline
    /// counted from `started`.
    async fn query(
        &self,
        search: &LogSearch,
        groups: Vec<String>,
        until: DateTime<Utc>,
        started: tokio::time::Instant,
    ) -> PortResult<Vec<Vec<aws_sdk_cloudwatchlogs::types::ResultField>>> {
        let remaining = || self.deadline.saturating_sub(started.elapsed());
        let timeout = |operation: &'static str| PortError::Timeout { backend: Backend::Logs, operation };
        let query = Self::query_string(search);
        // Whole seconds, the last one rounded up so that it is in.
        let (start_s, end_s) =
            (search.since.timestamp(), until.timestamp() + i64::from(until.timestamp_subsec_millis() > 0));
        let start = |groups: Vec<String>| {
            self.client
                .start_query()
                .set_log_group_names(Some(groups))
                .start_time(start_s)
                .end_time(end_s)
                .query_string(&query)
                .send()
        };
        let started_query = match tokio::time::timeout(remaining(), start(groups.clone())).await {
            Err(_) => return Err(timeout("start_query")),
            // A function that has never run may have no log group yet (the template creates them; an account
            // set up by hand may not): ask again over the ones there are.
            Ok(Err(error)) if error.as_service_error().is_some_and(|e| e.is_resource_not_found_exception()) => {
                let existing = tokio::time::timeout(remaining(), self.existing_groups())
                    .await
                    .map_err(|_| timeout("describe_log_groups"))??;
                let groups: Vec<String> = groups.into_iter().filter(|g| existing.contains(g)).collect();
                if groups.is_empty() {
                    return Ok(Vec::new());
                }
                tokio::time::timeout(remaining(), start(groups)).await.map_err(|_| timeout("start_query"))?
            }
            Ok(result) => result,
        };
        let query_id = started_query
            .map_err(unavailable)?
            .query_id
            .ok_or_else(|| PortError::corrupt(Backend::Logs, "StartQuery answered without a query id"))?;
        let rows = loop {
            let results = tokio::time::timeout(remaining(), self.client.get_query_results().query_id(&query_id).send())
                .await
                .map_err(|_| timeout("get_query_results"))?
                .map_err(unavailable)?;
            match results.status {
                Some(QueryStatus::Complete) => break results.results.unwrap_or_default(),
                Some(QueryStatus::Failed | QueryStatus::Cancelled | QueryStatus::Timeout) => {
                    return Err(PortError::unavailable(Backend::Logs, format!("query {:?}", results.status)));
                }
                _ if remaining() > Duration::from_millis(250) => tokio::time::sleep(Duration::from_millis(200)).await,
                _ => {
                    // Not worth its cost to anyone once nobody waits for it.
                    let stop = self.client.stop_query().query_id(&query_id).send();
                    let _ = tokio::time::timeout(Duration::from_secs(1), stop).await;
                    return Err(timeout("get_query_results"));
                }
            }
        };
        Ok(rows)
    }
}

#[async_trait]
impl LogSource for CloudWatchLogs {
    async fn search(&self, search: &LogSearch) -> PortResult<LogResults> {
        let groups: Vec<String> = match &search.function {
            Some(function) => vec![self.group_of(function)],
            None => self.functions.iter().map(|f| self.group_of(f)).collect(),
        };
        let until = search
            .after
            .and_then(|a| DateTime::from_timestamp_millis(a.at_ms))
            .map_or(search.until, |a| a.min(search.until));
        let started = tokio::time::Instant::now();
        // One Insights query names at most MAX_LOG_GROUPS groups: more functions than that are searched by as many
        // queries at once, each asked for the page's rows, their rows merged below (the newest of the union are
        // the newest of the rows each query gave).
        let queries = groups.chunks(MAX_LOG_GROUPS).map(|chunk| self.query(search, chunk.to_vec(), until, started));
        let answers = futures_util::future::try_join_all(queries).await?;
        let rows_asked = query_rows(search);
        // A query stopped at its row limit: more may match beyond what it read.
        let stopped_at_limit = answers.iter().any(|rows| rows.len() >= rows_asked);
        let rows: Vec<_> = answers.into_iter().flatten().collect();
        let mut events: Vec<LogEvent> = rows
            .into_iter()
            .filter_map(|row| {
                let field =
                    |name: &str| row.iter().find(|f| f.field.as_deref() == Some(name)).and_then(|f| f.value.clone());
                let line = field("@message")?;
                Some(LogEvent {
                    at: parse_timestamp(&field("@timestamp")?)?,
                    function: self.function_of(&field("@log").unwrap_or_default()),
                    level: level_of(&line),
                    line,
                })
            })
            .filter(|event| !is_embedded_metric(&event.line) && search.wants(event))
            .collect();
        // Newest first; one millisecond's events in a stable order (by line), for the page after it.
        events.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.line.cmp(&b.line)));
        let skip = search.after.map_or(0, |after| after.given_at_ms);
        let mut skipped = 0;
        events.retain(|event| {
            let at_cursor = search.after.is_some_and(|after| event.at.timestamp_millis() == after.at_ms);
            if at_cursor && skipped < skip {
                skipped += 1;
                return false;
            }
            true
        });
        let more = stopped_at_limit || events.len() > search.limit;
        events.truncate(search.limit);
        Ok(LogResults { events, more })
    }

    async fn apply_retention(&self) -> PortResult<RetentionApplied> {
        let days = i32::try_from(self.retention_days).unwrap_or(i32::MAX);
        let changed = self.set_retention(days).await?;
        Ok(RetentionApplied { days: Some(self.retention_days), changed })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proxy_core::ports::logs::{LogLevel, LogPosition};

    #[test]
    fn the_query_carries_every_filter_escaped_and_enough_rows_for_the_page() {
        let at = DateTime::from_timestamp(1_795_000_000, 0).unwrap();
        let search = LogSearch {
            function: Some("orders-list".into()),
            min_level: Some(LogLevel::Warn),
            since: at,
            until: at,
            text: Some(r#"say "hi" \ bye"#.into()),
            limit: 20,
            after: Some(LogPosition { at_ms: 1_795_000_000_123, given_at_ms: 2 }),
        };
        assert_eq!(
            CloudWatchLogs::query_string(&search),
            r#"fields @timestamp, @message, @log | filter not ispresent(_aws.Timestamp) | filter level in ["WARN", "ERROR"] or not ispresent(level) | filter @message like "say \"hi\" \\ bye" | sort @timestamp desc | limit 122"#
        );
        assert_eq!(parse_timestamp("2026-11-30 09:00:00.123").unwrap().timestamp_subsec_millis(), 123);
        assert_eq!(parse_timestamp("1795000000123").unwrap().timestamp_millis(), 1_795_000_000_123);
        assert_eq!(level_of(r#"{"level":"WARN","message":"x"}"#), "warn");
        assert_eq!(level_of("START RequestId: 1 Version: $LATEST"), "info");
        assert_eq!(level_of("Task timed out after 30.03 seconds"), "error");
        assert_eq!(level_of("thread 'main' panicked at src/main.rs:3:5"), "error");
        assert!(is_embedded_metric(r#"{"_aws":{"Timestamp":1},"Requests":1}"#));
        assert!(!is_embedded_metric(r#"{"level":"INFO","message":"request"}"#));
    }
}
