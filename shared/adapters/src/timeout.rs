//! The time limit every backend call runs under.

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
