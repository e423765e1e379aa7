//! Inputs of the inventory endpoints: the rebalance body and the server-status body.

use proxy_core::domain::ServerStatus;
use proxy_core::validation::FieldErrors;
use proxy_core::validation::{add_error, parse_json};
use serde::Deserialize;

/// The most clients one rebalance request may move (and what an execution without a limit moves): the jobs
/// are sent ten at a time within the function's 30 s.
pub const REBALANCE_MAX_LIMIT: i64 = 500;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RebalanceRequest {
    /// True unless the body says `false`: moving clients is what an operator asks for explicitly.
    pub dry_run: bool,
    pub location: Option<String>,
    pub limit: Option<u64>,
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct RebalanceBody {
    /// A dry run unless false.
    dry_run: Option<bool>,
    #[cfg_attr(
        feature = "openapi",
        schemars(length(min = 1, max = 100), pattern(proxy_core::validation::not_blank_pattern(1)))
    )]
    location: Option<String>,
    #[cfg_attr(feature = "openapi", schemars(range(min = 1, max = REBALANCE_MAX_LIMIT)))]
    limit: Option<i64>,
}

/// `{dry_run, location, limit}`, all optional; an empty body is a dry run over every location.
pub fn rebalance_request(body: &str) -> Result<RebalanceRequest, FieldErrors> {
    let body: RebalanceBody = if body.trim().is_empty() {
        RebalanceBody { dry_run: None, location: None, limit: None }
    } else {
        parse_json(body)?
    };
    let mut errors = FieldErrors::new();
    if let Some(location) = &body.location
        && (location.trim().is_empty() || location.chars().count() > 100)
    {
        add_error(&mut errors, "location", "must be a location name of 1 to 100 characters");
    }
    if let Some(limit) = body.limit
        && !(1..=REBALANCE_MAX_LIMIT).contains(&limit)
    {
        add_error(&mut errors, "limit", format!("must be from 1 to {REBALANCE_MAX_LIMIT}"));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let dry_run = body.dry_run.unwrap_or(true);
    // A dry run may show the whole plan; an execution moves at most the maximum per call.
    let limit = body.limit.or((!dry_run).then_some(REBALANCE_MAX_LIMIT));
    Ok(RebalanceRequest {
        dry_run,
        location: body.location.map(|l| l.trim().to_owned()),
        limit: limit.map(|l| l as u64),
    })
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct StatusBody {
    #[cfg_attr(feature = "openapi", schemars(required, extend("enum" = ServerStatus::ALL.map(|s| s.as_str()))))]
    status: Option<String>,
}

/// `{status}`: one of up, down, paused, draining.
pub fn status_request(body: &str) -> Result<ServerStatus, FieldErrors> {
    let body: StatusBody = parse_json(body)?;
    let mut errors = FieldErrors::new();
    let names: Vec<&str> = ServerStatus::ALL.iter().map(|s| s.as_str()).collect();
    match body.status.as_deref().map(|name| ServerStatus::ALL.into_iter().find(|s| s.as_str() == name)) {
        Some(Some(status)) => return Ok(status),
        Some(None) => add_error(&mut errors, "status", format!("must be one of: {}", names.join(", "))),
        None => add_error(&mut errors, "status", "is required"),
    }
    Err(errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rebalance_is_a_dry_run_unless_the_body_says_otherwise() {
        let all = RebalanceRequest { dry_run: true, location: None, limit: None };
        assert_eq!(rebalance_request(""), Ok(all.clone()));
        assert_eq!(rebalance_request("{}"), Ok(all));
        assert_eq!(
            rebalance_request(r#"{"dry_run": false, "location": " Paris ", "limit": 5}"#),
            Ok(RebalanceRequest { dry_run: false, location: Some("Paris".into()), limit: Some(5) })
        );
        let errors = rebalance_request(r#"{"location": "", "limit": 0}"#).unwrap_err();
        assert!(errors.contains_key("location") && errors.contains_key("limit"), "{errors:?}");
        assert!(rebalance_request(r#"{"limit": 501}"#).is_err());
        assert_eq!(
            rebalance_request(r#"{"dry_run": false}"#).unwrap().limit,
            Some(500),
            "an execution without a limit moves at most 500"
        );
        assert!(rebalance_request(r#"{"dryrun": true}"#).is_err(), "an unknown field is refused");
    }

    #[test]
    fn a_status_is_one_of_the_four() {
        assert_eq!(status_request(r#"{"status": "draining"}"#), Ok(ServerStatus::Draining));
        assert!(status_request(r#"{"status": "maintenance"}"#).unwrap_err()["status"][0].contains("up, down"));
        assert!(status_request("{}").unwrap_err().contains_key("status"));
    }
}
