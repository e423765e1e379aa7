//! Per-caller rate limits (the original's `api` 60/min and `orders` 10/min), as fixed windows counted in the
//! cache: one atomic increment per request and limit, so concurrent Lambdas share one count. The window is
//! taken from the injected clock, so a test can step into the next one.

use chrono::{DateTime, Utc};
use proxy_core::error::PortResult;
use proxy_core::ports::Cache;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct RateLimit {
    /// Part of the counter's key; two routes sharing a name share a budget.
    pub name: &'static str,
    pub max: u32,
    pub window_secs: u32,
}

/// Every customer API call.
pub const API: RateLimit = RateLimit { name: "api", max: 60, window_secs: 60 };
/// Order creation, on top of `API`.
pub const ORDERS: RateLimit = RateLimit { name: "orders", max: 10, window_secs: 60 };

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed {
        limit: u32,
        remaining: u32,
    },
    /// Over the limit: try again in this many seconds (when the window ends).
    Limited {
        retry_after_secs: u64,
    },
}

/// Counts one call by `subject` against `limit` and says whether it may go on.
pub async fn check(cache: &dyn Cache, now: DateTime<Utc>, limit: &RateLimit, subject: &str) -> PortResult<Verdict> {
    let window = i64::from(limit.window_secs.max(1));
    let epoch = now.timestamp();
    let window_start = epoch - epoch.rem_euclid(window);
    let key = format!("ratelimit:{}:{}:{}", limit.name, subject, window_start);
    // The counter outlives its window a little so a slow clock skew between Lambdas never resets it early.
    let count = cache.incr(&key, 1, Some(Duration::from_secs(window as u64 + 5))).await?;
    if count > i64::from(limit.max) {
        let retry_after_secs = (window_start + window - epoch).max(1) as u64;
        return Ok(Verdict::Limited { retry_after_secs });
    }
    Ok(Verdict::Allowed { limit: limit.max, remaining: (i64::from(limit.max) - count).max(0) as u32 })
}

/// Checks every limit of a route, in order; the first one exceeded wins. Returns the tightest allowance.
pub async fn check_all(
    cache: &dyn Cache,
    now: DateTime<Utc>,
    limits: &[RateLimit],
    subject: &str,
) -> PortResult<Verdict> {
    let mut tightest: Option<Verdict> = None;
    for limit in limits {
        match check(cache, now, limit, subject).await? {
            limited @ Verdict::Limited { .. } => return Ok(limited),
            allowed @ Verdict::Allowed { remaining, .. } => {
                let tighter = match tightest {
                    Some(Verdict::Allowed { remaining: r, .. }) => remaining < r,
                    _ => true,
                };
                if tighter {
                    tightest = Some(allowed);
                }
            }
        }
    }
    Ok(tightest.unwrap_or(Verdict::Allowed { limit: 0, remaining: 0 }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use adapters::memory::MemoryCache;
    use proxy_core::clock::{Clock, ManualClock};
    use std::sync::Arc;

    #[tokio::test]
    async fn the_eleventh_order_in_a_minute_waits_for_the_next_window() {
        let clock = Arc::new(ManualClock::new("2026-01-01T00:00:15Z".parse().unwrap()));
        let cache = MemoryCache::new(clock.clone());
        for i in 0..10 {
            let verdict = check(&cache, clock.now(), &ORDERS, "c1").await.unwrap();
            assert_eq!(verdict, Verdict::Allowed { limit: 10, remaining: 9 - i });
        }
        assert_eq!(check(&cache, clock.now(), &ORDERS, "c1").await.unwrap(), Verdict::Limited { retry_after_secs: 45 });
        assert!(matches!(check(&cache, clock.now(), &ORDERS, "c2").await.unwrap(), Verdict::Allowed { .. }));
        clock.advance(chrono::Duration::seconds(45));
        assert!(matches!(check(&cache, clock.now(), &ORDERS, "c1").await.unwrap(), Verdict::Allowed { .. }));
    }

    #[tokio::test]
    async fn check_all_reports_the_tightest_allowance_and_the_first_refusal() {
        let clock = Arc::new(ManualClock::new("2026-01-01T00:00:59Z".parse().unwrap()));
        let cache = MemoryCache::new(clock.clone());
        let verdict = check_all(&cache, clock.now(), &[API, ORDERS], "c1").await.unwrap();
        assert_eq!(verdict, Verdict::Allowed { limit: 10, remaining: 9 });
        for _ in 0..9 {
            check_all(&cache, clock.now(), &[API, ORDERS], "c1").await.unwrap();
        }
        assert_eq!(
            check_all(&cache, clock.now(), &[API, ORDERS], "c1").await.unwrap(),
            Verdict::Limited { retry_after_secs: 1 }
        );
    }
}
