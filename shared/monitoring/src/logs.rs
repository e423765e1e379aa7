//! `GET /admin/system/logs` (`SYSTEM_LOGS`): the system's recent log events, newest first, filtered by function,
//! level, time range and text, a page at a time — with secrets redacted (`redact`) before anyone sees them.
//! CloudWatch Logs in AWS (one Insights query across the functions' log groups), the process's own events
//! locally.

use api::{ApiError, ApiRequest, Identity};
use chrono::{DateTime, Duration, Utc};
use platform::deps::{HasClock, HasLogSource};
use proxy_core::ports::logs::{LogEvent, LogLevel, LogPosition, LogSearch};
use proxy_core::validation::{FieldErrors, add_error};
use serde::Serialize;
use std::collections::HashMap;

pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 100;
/// The window searched when `since` is not given.
pub const DEFAULT_SPAN: Duration = Duration::hours(1);
/// The longest window one search covers (Insights scans it all).
pub const MAX_SPAN: Duration = Duration::days(7);
pub const MAX_TEXT: usize = 200;

platform::env!(
    /// What the logs endpoint needs: the clock and the log source.
    LogsEnv: HasClock, HasLogSource
);

/// One event as an admin sees it: its line's message and fields, redacted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShownEvent {
    pub at: DateTime<Utc>,
    pub function: String,
    pub level: String,
    pub message: String,
    /// The rest of a structured line (request id, latency, ...); empty for a plain line.
    pub fields: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogPage {
    pub events: Vec<ShownEvent>,
    pub next_cursor: Option<String>,
    /// The window searched.
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
}

/// The search a query asks for, every problem named by its parameter.
pub fn parse(query: &HashMap<String, String>, now: DateTime<Utc>) -> Result<LogSearch, FieldErrors> {
    let mut errors = FieldErrors::new();
    let param = |name: &str| query.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
    let function = param("function").map(str::to_owned);
    if let Some(name) = &function
        && !api::routes::FUNCTIONS.iter().any(|spec| spec.name == name)
    {
        add_error(&mut errors, "function", "is not a function of this system");
    }
    let min_level = match param("level") {
        None => None,
        Some(text) => match LogLevel::ALL.into_iter().find(|l| l.as_str() == text.to_ascii_lowercase()) {
            Some(level) => Some(level),
            None => {
                let names: Vec<&str> = LogLevel::ALL.iter().map(|l| l.as_str()).collect();
                add_error(&mut errors, "level", format!("must be one of: {}", names.join(", ")));
                None
            }
        },
    };
    let mut time = |name: &str| match param(name) {
        None => None,
        Some(text) => match DateTime::parse_from_rfc3339(text) {
            Ok(at) => Some(at.with_timezone(&Utc)),
            Err(_) => {
                add_error(&mut errors, name, "must be a time in RFC 3339, e.g. 2026-11-30T09:00:00Z");
                None
            }
        },
    };
    let until = time("until").unwrap_or(now).min(now);
    let since = time("since").unwrap_or(until - DEFAULT_SPAN);
    if since >= until {
        add_error(&mut errors, "since", "must be before until (and before now)");
    } else if until - since > MAX_SPAN {
        add_error(&mut errors, "since", format!("must be at most {} days before until", MAX_SPAN.num_days()));
    }
    let text = param("q").map(str::to_owned);
    if text.as_ref().is_some_and(|t| t.chars().count() > MAX_TEXT) {
        add_error(&mut errors, "q", format!("must be at most {MAX_TEXT} characters"));
    }
    let limit = match param("limit").map(str::parse::<usize>) {
        None => DEFAULT_LIMIT,
        Some(Ok(n)) if (1..=MAX_LIMIT).contains(&n) => n,
        Some(_) => {
            add_error(&mut errors, "limit", format!("must be an integer from 1 to {MAX_LIMIT}"));
            DEFAULT_LIMIT
        }
    };
    let after = match param("cursor") {
        None => None,
        Some(token) => match decode_cursor(token) {
            Some(position) => Some(position),
            None => {
                add_error(&mut errors, "cursor", "is not a cursor this list gave out");
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(LogSearch { function, min_level, since, until, text, limit, after })
}

fn encode_cursor(position: LogPosition) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{}.{}", position.at_ms, position.given_at_ms))
}

fn decode_cursor(token: &str) -> Option<LogPosition> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token).ok()?;
    let (at_ms, given) = std::str::from_utf8(&bytes).ok()?.split_once('.')?;
    Some(LogPosition { at_ms: at_ms.parse().ok()?, given_at_ms: given.parse().ok()? })
}

/// An event as shown: a structured line's message and fields, a plain line as the message; redacted.
fn shown(event: LogEvent) -> ShownEvent {
    let (message, fields) = match serde_json::from_str::<serde_json::Value>(&event.line) {
        Ok(serde_json::Value::Object(mut fields)) => {
            let message = match fields.remove("message") {
                Some(serde_json::Value::String(message)) => message,
                Some(other) => other.to_string(),
                None => String::new(),
            };
            for known in ["timestamp", "level", "function"] {
                fields.remove(known);
            }
            (message, fields)
        }
        _ => (event.line, serde_json::Map::new()),
    };
    let fields = match crate::redact::value(serde_json::Value::Object(fields)) {
        serde_json::Value::Object(fields) => fields,
        _ => serde_json::Map::new(),
    };
    ShownEvent {
        at: event.at,
        function: event.function,
        level: event.level,
        message: crate::redact::text(&message),
        fields,
    }
}

/// One page of the search: one query of the log source.
pub async fn search(ctx: &impl LogsEnv, search: LogSearch) -> Result<LogPage, ApiError> {
    let Some(source) = ctx.log_source() else {
        return Err(ApiError::new(503, "logs_unavailable", "This deployment cannot search its logs here."));
    };
    let found = source.search(&search).await?;
    let (events, more) = (found.events, found.more);
    let next_cursor = match (more, events.last()) {
        (true, Some(last)) => {
            let at_ms = last.at.timestamp_millis();
            let in_page = events.iter().filter(|e| e.at.timestamp_millis() == at_ms).count();
            let before = search.after.filter(|after| after.at_ms == at_ms).map_or(0, |after| after.given_at_ms);
            Some(encode_cursor(LogPosition { at_ms, given_at_ms: before.saturating_add(in_page) }))
        }
        _ => None,
    };
    Ok(LogPage {
        events: events.into_iter().map(shown).collect(),
        next_cursor,
        since: search.since,
        until: search.until,
    })
}

/// `GET /admin/system/logs`.
pub async fn endpoint(ctx: &impl LogsEnv, request: ApiRequest, _caller: Identity) -> Result<LogPage, ApiError> {
    let search_for = parse(request.query(), ctx.clock().now()).map_err(ApiError::validation)?;
    search(ctx, search_for).await
}

/// The query's parameters for the OpenAPI document.
pub fn add_inputs(inputs: &mut api::openapi::Inputs) {
    use api::openapi::QueryParameter;
    let names: Vec<&str> = api::routes::FUNCTIONS.iter().map(|spec| spec.name).collect();
    let levels: Vec<&str> = LogLevel::ALL.iter().map(|l| l.as_str()).collect();
    let time = serde_json::json!({"type": "string", "format": "date-time"});
    let query = vec![
        QueryParameter {
            name: "function",
            description: "One function's events.",
            schema: serde_json::json!({"enum": names}),
        },
        QueryParameter {
            name: "level",
            description: "This level and above.",
            schema: serde_json::json!({"enum": levels}),
        },
        QueryParameter {
            name: "since",
            description: "From (default: an hour before `until`; at most 7 days before it).",
            schema: time.clone(),
        },
        QueryParameter { name: "until", description: "To (default: now).", schema: time },
        QueryParameter {
            name: "q",
            description: "Events whose line contains this text.",
            schema: serde_json::json!({"type": "string", "maxLength": MAX_TEXT}),
        },
        QueryParameter {
            name: "limit",
            description: "How many events (default 50).",
            schema: serde_json::json!({"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}),
        },
        QueryParameter {
            name: "cursor",
            description: "The `next_cursor` of the previous page, as given.",
            schema: serde_json::json!({"type": "string"}),
        },
    ];
    inputs.add(&api::routes::SYSTEM_LOGS, api::openapi::OperationInput::query(query));
}
