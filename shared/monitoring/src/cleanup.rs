//! The weekly `log-cleanup` (Sundays 03:00 UTC): makes every function's log retention the configured one, deletes
//! the records past their retention that DynamoDB's TTL has not removed yet (resolved alerts, dead jobs'
//! records, scheduled tasks' archived runs, the admins' notifications: `store::Retained`), and drops the keys
//! that are gone from every cache tag set. Each part runs whatever the others did; the report says what each
//! removed, and the run fails (so its alarm fires) when a part did.

use api::schedule::parse_invocation;
use cache::{HasTieredCache, StoreName};
use platform::deps::{HasClock, HasLogSource, HasStores};
use proxy_core::ports::{RetentionApplied, TagPrune};
use serde::Serialize;
use std::collections::BTreeMap;
use store::Retained;

platform::env!(
    /// What the clean-up needs: the clock, the store, the cache's stores and the logs.
    CleanupEnv: HasClock, HasStores, HasTieredCache, HasLogSource
);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CleanupReport {
    /// The log groups' retention (None: this deployment has no log source here).
    pub log_retention: Option<RetentionApplied>,
    /// Expired records deleted, per list.
    pub records_removed: BTreeMap<&'static str, u64>,
    /// Each cache store's tag sets pruned.
    pub cache_tags: BTreeMap<&'static str, TagPrune>,
    /// The parts that failed, and why.
    pub failures: Vec<String>,
}

/// Runs every part; what each did.
pub async fn clean(ctx: &impl CleanupEnv) -> CleanupReport {
    let now = ctx.clock().now();
    let mut failures = Vec::new();
    let log_retention = match ctx.log_source() {
        Some(source) => match source.apply_retention().await {
            Ok(applied) => Some(applied),
            Err(error) => {
                failures.push(format!("log retention: {error}"));
                None
            }
        },
        None => None,
    };
    let mut records_removed = BTreeMap::new();
    for list in Retained::ALL {
        match ctx.stores().retention.sweep(list, now).await {
            Ok(removed) => {
                records_removed.insert(list.as_str(), removed);
            }
            Err(error) => failures.push(format!("{}: {error}", list.as_str())),
        }
    }
    let mut cache_tags = BTreeMap::new();
    for store in StoreName::ALL {
        let Some(shared) = ctx.tiered_cache().shared(store) else { continue };
        match shared.prune_tags().await {
            Ok(pruned) => {
                cache_tags.insert(store.as_str(), pruned);
            }
            Err(error) => failures.push(format!("cache store {}: {error}", store.as_str())),
        }
    }
    CleanupReport { log_retention, records_removed, cache_tags, failures }
}

/// `LOG_CLEANUP`. Returns the report (the Lambda's response); fails when the payload is not a scheduled
/// invocation or a part failed (after the others ran).
pub async fn log_cleanup(ctx: &impl CleanupEnv, payload: serde_json::Value) -> Result<serde_json::Value, String> {
    let invocation = parse_invocation(&payload)?;
    let report = clean(ctx).await;
    let mut summary = serde_json::to_value(&report).map_err(|e| e.to_string())?;
    summary["invoked_by"] = serde_json::Value::from(invocation.source);
    tracing::info!(report = %summary, "log clean-up");
    if !report.failures.is_empty() {
        return Err(format!("log clean-up: {}", report.failures.join("; ")));
    }
    Ok(summary)
}
