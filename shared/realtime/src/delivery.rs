//! Posting one frame to many connections: a bounded number of posts in flight at once (API Gateway's
//! management API is rate-limited per account), a throttled post retried after a jittered pause a bounded
//! number of times, and the connections found gone reported back, so that the caller forgets exactly those —
//! the stale ones, never the sender.

use futures_util::stream::{self, StreamExt};
use proxy_core::ports::{ConnectionPoster, PostError};
use std::time::Duration;

/// Posts in flight at once for one fan-out.
pub const FAN_OUT_CONCURRENCY: usize = 32;
/// Tries of a post the management API keeps throttling (its SDK has retried each already).
const THROTTLED_TRIES: u32 = 4;

/// What a fan-out achieved.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FanOut {
    pub delivered: usize,
    /// The connections API Gateway says are gone (410): their registrations are stale.
    pub gone: Vec<String>,
    /// Posts that failed otherwise (throttled after every try, a timeout, the API down).
    pub failed: usize,
}

/// Posts `frame` to one connection, backing off while it is throttled.
pub async fn post(poster: &dyn ConnectionPoster, connection_id: &str, frame: &str) -> Result<(), PostError> {
    let mut attempt = 1;
    loop {
        match poster.post(connection_id, frame).await {
            Err(PostError::Throttled) if attempt < THROTTLED_TRIES => {
                tokio::time::sleep(pause(attempt)).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// The pause before try `attempt + 1` of a throttled post: exponential from 50 ms, full jitter.
fn pause(attempt: u32) -> Duration {
    Duration::from_millis(fastrand::u64(0..=(50u64 << attempt.min(5))))
}

/// Posts `frame` to every connection of `connection_ids`.
pub async fn post_all(poster: &dyn ConnectionPoster, connection_ids: Vec<String>, frame: &str) -> FanOut {
    let results: Vec<(String, Result<(), PostError>)> = stream::iter(connection_ids)
        .map(|id: String| async move {
            let result = post(poster, &id, frame).await;
            (id, result)
        })
        .buffer_unordered(FAN_OUT_CONCURRENCY)
        .collect()
        .await;
    let mut fan_out = FanOut::default();
    for (id, result) in results {
        match result {
            Ok(()) => fan_out.delivered += 1,
            Err(PostError::Gone) => fan_out.gone.push(id),
            Err(error) => {
                tracing::warn!(connection_id = id, %error, "frame not delivered");
                fan_out.failed += 1;
            }
        }
    }
    fan_out
}
