//! The time limit every backend call runs under, and the pause between the retries of a throttled one.

use proxy_core::error::{Backend, PortError, PortResult};

/// Runs a backend call under a time limit, mapping the elapsed limit to `PortError::Timeout`.
pub async fn with_timeout<T>(
    backend: Backend,
    operation: &'static str,
    limit: std::time::Duration,
    call: impl std::future::Future<Output = PortResult<T>>,
) -> PortResult<T> {
    match tokio::time::timeout(limit, call).await {
        Ok(result) => result,
        Err(_) => Err(PortError::Timeout { backend, operation }),
    }
}

/// The pause before retry `attempt` (1, 2, ...) of a throttled call: exponential from 25 ms, at most 800 ms,
/// with full jitter (a uniform draw below the bound), so that callers throttled together do not retry
/// together.
pub fn backoff(attempt: u32) -> std::time::Duration {
    let bound_ms = (25u64 << attempt.saturating_sub(1).min(5)).min(800);
    std::time::Duration::from_millis(fastrand::u64(0..=bound_ms))
}

#[cfg(test)]
mod tests {
    use super::backoff;
    use std::time::Duration;

    #[test]
    fn the_pause_grows_with_each_attempt_up_to_its_cap_and_is_jittered() {
        for (attempt, bound) in [(1, 25), (2, 50), (3, 100), (4, 200), (5, 400), (6, 800), (7, 800), (40, 800)] {
            let pauses: Vec<Duration> = (0..200).map(|_| backoff(attempt)).collect();
            assert!(pauses.iter().all(|p| *p <= Duration::from_millis(bound)), "attempt {attempt}");
            let distinct: std::collections::BTreeSet<_> = pauses.iter().collect();
            assert!(distinct.len() > 5, "attempt {attempt}: jittered");
        }
    }
}
