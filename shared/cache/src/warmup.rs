//! Warm-up: loads into the cache what the first requests after a deploy or a flush need. Each context brings
//! its warmers (a name, what it loads, and the function that loads it through the same cached read the
//! endpoints use), registered at the top (`shared::cache_warmers`) as jobs are. A warmer whose view is already
//! cached loads nothing, so a warm-up may run any number of times. One runs at a time across every instance:
//! a second is refused while the first holds the lock.

use chrono::{DateTime, Utc};
use platform::deps::{HasCache, HasClock};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

/// What a warmer's run yields: a line saying what it loaded, or why it failed.
pub type WarmFuture<'a> = Pin<Box<dyn Future<Output = Result<String, String>> + Send + 'a>>;

/// A warmer, for a context `C`.
pub struct Warmer<C> {
    pub name: &'static str,
    pub description: &'static str,
    pub warm: for<'a> fn(&'a C) -> WarmFuture<'a>,
}

/// The warmers a context has (`AppContext` lists every context's).
pub trait HasCacheWarmers: Sized {
    fn cache_warmers(&self) -> Vec<Warmer<Self>>;
}

const LOCK_KEY: &str = "cache-warmup:lock";
/// A warm-up that died holding the lock holds it no longer than this.
const LOCK_TTL: Duration = Duration::from_secs(300);
/// How long a warmer's last run is kept.
const LAST_RUN_TTL: Duration = Duration::from_secs(30 * 24 * 3600);

fn last_run_key(warmer: &str) -> String {
    format!("cache-warmup:last:{warmer}")
}

/// One warmer's run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WarmerRun {
    pub warmer: String,
    pub ok: bool,
    /// What it loaded, or why it failed.
    pub detail: String,
    pub took_ms: u64,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WarmupReport {
    pub started_at: DateTime<Utc>,
    pub runs: Vec<WarmerRun>,
    pub took_ms: u64,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum WarmupError {
    #[error("no warmer named {0}")]
    UnknownWarmer(String),
    #[error("a warm-up is already running")]
    AlreadyRunning,
    /// The lock could not be taken because the cache is down: warming it would be pointless.
    #[error("the cache is unavailable: {0}")]
    CacheUnavailable(String),
}

/// Runs the warmers named in `only` (every one when empty), one after the other, and records each run.
pub async fn run<C: HasCache + HasClock + HasCacheWarmers + Sync>(
    ctx: &C,
    only: &[String],
) -> Result<WarmupReport, WarmupError> {
    let warmers = ctx.cache_warmers();
    if let Some(unknown) = only.iter().find(|name| !warmers.iter().any(|w| w.name == name.as_str())) {
        return Err(WarmupError::UnknownWarmer(unknown.clone()));
    }
    let started_at = ctx.clock().now();
    let holder = format!("{}", started_at.timestamp_nanos_opt().unwrap_or_default());
    match ctx.cache().set_if_absent(LOCK_KEY, &holder, LOCK_TTL).await {
        Ok(true) => {}
        Ok(false) => return Err(WarmupError::AlreadyRunning),
        Err(error) => return Err(WarmupError::CacheUnavailable(error.to_string())),
    }
    let started = Instant::now();
    let mut runs = Vec::new();
    for warmer in warmers.iter().filter(|w| only.is_empty() || only.iter().any(|n| n == w.name)) {
        let began = Instant::now();
        let outcome = (warmer.warm)(ctx).await;
        let run = WarmerRun {
            warmer: warmer.name.to_owned(),
            ok: outcome.is_ok(),
            detail: outcome.unwrap_or_else(|error| error),
            took_ms: began.elapsed().as_millis() as u64,
            at: ctx.clock().now(),
        };
        if let Ok(text) = serde_json::to_string(&run)
            && let Err(error) = ctx.cache().set(&last_run_key(warmer.name), &text, Some(LAST_RUN_TTL)).await
        {
            tracing::warn!(%error, warmer = warmer.name, "warm-up run not recorded");
        }
        runs.push(run);
    }
    match ctx.cache().delete_if(LOCK_KEY, &holder).await {
        Ok(true) => {}
        Ok(false) => tracing::warn!("warm-up outlived its lock; another may have started meanwhile"),
        Err(error) => tracing::warn!(%error, "warm-up lock not released; it expires by itself"),
    }
    tracing::info!(warmers = runs.len(), failed = runs.iter().filter(|r| !r.ok).count(), "cache warm-up");
    Ok(WarmupReport { started_at, runs, took_ms: started.elapsed().as_millis() as u64 })
}

/// Each warmer with its last run (None when it never ran, or the record is gone).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WarmerStatus {
    pub name: &'static str,
    pub description: &'static str,
    pub last_run: Option<WarmerRun>,
}

pub async fn statuses<C: HasCache + HasCacheWarmers>(ctx: &C) -> Vec<WarmerStatus> {
    let warmers = ctx.cache_warmers();
    let keys: Vec<String> = warmers.iter().map(|w| last_run_key(w.name)).collect();
    let last = ctx.cache().get_many(&keys).await.unwrap_or_else(|_| vec![None; keys.len()]);
    warmers
        .iter()
        .zip(last)
        .map(|(w, run)| WarmerStatus {
            name: w.name,
            description: w.description,
            last_run: run.and_then(|text| serde_json::from_str(&text).ok()),
        })
        .collect()
}
