//! The operators' view of alerts: the open ones or all of them, newest first, a page at a time, and
//! acknowledging one. The lifecycle itself (observe, clear, acknowledge) is `platform::alerts`, which every
//! context raises alerts through.

use platform::alerts::AlertsEnv;
use proxy_core::domain::Alert;
use proxy_core::error::PortResult;
use proxy_core::ports::table::Cursor;
use proxy_core::validation::{FieldErrors, add_error};
use serde::Serialize;
use std::collections::HashMap;
use store::AlertStore;

/// Which alerts a list shows (`status`): the ones not resolved (the default), or every one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    Open,
    All,
}

pub const LISTINGS: [&str; 2] = ["open", "all"];

impl Listing {
    fn open_only(self) -> bool {
        self == Listing::Open
    }

    /// Where a page of this list may start.
    pub fn scope(self) -> proxy_core::ports::table::ListScope {
        AlertStore::list_scope(self.open_only())
    }
}

/// `?status=open|all` (open when absent).
pub fn listing(query: &HashMap<String, String>) -> Result<Listing, FieldErrors> {
    match query.get("status").map(String::as_str) {
        None | Some("open") => Ok(Listing::Open),
        Some("all") => Ok(Listing::All),
        Some(_) => {
            let mut errors = FieldErrors::new();
            add_error(&mut errors, "status", format!("must be one of: {}", LISTINGS.join(", ")));
            Err(errors)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertPage {
    pub alerts: Vec<Alert>,
    pub next_cursor: Option<String>,
}

/// One page of the list: one query. (The open list leaves out the resolved alerts the store keeps in it until
/// their resolution is delivered, so a page may hold fewer than `limit`.)
pub async fn list(
    ctx: &impl AlertsEnv,
    listing: Listing,
    limit: usize,
    after: Option<Cursor>,
) -> PortResult<AlertPage> {
    let (mut alerts, next) = ctx.stores().alerts.list(listing.open_only(), limit, after).await?;
    if listing.open_only() {
        alerts.retain(|alert| alert.state != proxy_core::domain::AlertState::Resolved);
    }
    Ok(AlertPage { alerts, next_cursor: next.as_ref().map(Cursor::token) })
}

/// The list's query for the OpenAPI document.
pub fn add_inputs(inputs: &mut api::openapi::Inputs) {
    let mut query = vec![api::openapi::QueryParameter {
        name: "status",
        description: "`open` (not resolved; the default) or `all`.",
        schema: serde_json::json!({"enum": LISTINGS}),
    }];
    query.extend(api::page::query_parameters());
    inputs.add(&api::routes::SYSTEM_ALERTS, api::openapi::OperationInput::query(query));
}
