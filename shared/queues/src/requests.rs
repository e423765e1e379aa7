//! Inputs of the queue endpoints: the failed-job list's filter and the retry body.

use proxy_core::domain::Priority;
use proxy_core::validation::FieldErrors;
use proxy_core::validation::{add_error, parse_json};
use serde::Deserialize;
use std::collections::HashMap;
use store::FailedJobFilter;

/// The longest job type a filter may name.
pub(crate) const MAX_JOB_TYPE: usize = 100;

pub(crate) fn queue_names() -> Vec<&'static str> {
    Priority::ALL.iter().map(|p| p.as_str()).collect()
}

fn queue_named(name: &str, field: &str, errors: &mut FieldErrors) -> Option<Priority> {
    let queue = Priority::parse(name);
    if queue.is_none() {
        add_error(errors, field, format!("must be one of: {}", queue_names().join(", ")));
    }
    queue
}

/// `?queue=<name>` or `?type=<job type>` (not both); neither lists every dead job.
pub fn failed_filter(query: &HashMap<String, String>) -> Result<FailedJobFilter, FieldErrors> {
    let mut errors = FieldErrors::new();
    let filter = match (query.get("queue"), query.get("type")) {
        (Some(_), Some(_)) => {
            add_error(&mut errors, "type", "filter by queue or by type, not both");
            FailedJobFilter::All
        }
        (Some(queue), None) => queue_named(queue, "queue", &mut errors).map(FailedJobFilter::Queue).unwrap_or_default(),
        (None, Some(job_type)) if job_type.is_empty() || job_type.chars().count() > MAX_JOB_TYPE => {
            add_error(&mut errors, "type", "must be a job type of 1 to 100 characters");
            FailedJobFilter::All
        }
        (None, Some(job_type)) => FailedJobFilter::JobType(job_type.clone()),
        (None, None) => FailedJobFilter::All,
    };
    if errors.is_empty() { Ok(filter) } else { Err(errors) }
}

/// `POST /admin/system/queue/retry`: `{queue, limit}` (limit 1..=100, default 10).
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct RetryBody {
    #[cfg_attr(feature = "openapi", schemars(required, extend("enum" = queue_names())))]
    queue: Option<String>,
    /// How many dead letters to move back (default 10).
    #[cfg_attr(feature = "openapi", schemars(range(min = 1, max = RETRY_MAX_LIMIT)))]
    limit: Option<i64>,
}

pub const RETRY_DEFAULT_LIMIT: u32 = 10;
pub const RETRY_MAX_LIMIT: u32 = 100;

pub fn retry_request(body: &str) -> Result<(Priority, u32), FieldErrors> {
    let body: RetryBody = parse_json(body)?;
    let mut errors = FieldErrors::new();
    let queue = match &body.queue {
        Some(name) => queue_named(name, "queue", &mut errors),
        None => {
            add_error(&mut errors, "queue", "is required");
            None
        }
    };
    let limit = body.limit.unwrap_or(i64::from(RETRY_DEFAULT_LIMIT));
    if !(1..=i64::from(RETRY_MAX_LIMIT)).contains(&limit) {
        add_error(&mut errors, "limit", format!("must be from 1 to {RETRY_MAX_LIMIT}"));
    }
    match queue {
        Some(queue) if errors.is_empty() => Ok((queue, limit as u32)),
        _ => Err(errors),
    }
}
