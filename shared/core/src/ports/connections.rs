//! The WebSocket connections port: sends one text frame to one open connection, or closes it (API Gateway's
//! management API in AWS: `PostToConnection`, `DeleteConnection`). The API it posts to is the adapter's
//! configuration, not the caller's.

use crate::error::PortError;
use async_trait::async_trait;

/// Why a post did not reach its connection.
#[derive(Debug, thiserror::Error)]
pub enum PostError {
    /// The connection is closed (API Gateway's `GoneException`, 410), or not open yet: its registration is
    /// stale and is to be forgotten (once a just-opened one has had its moment).
    #[error("the connection is gone")]
    Gone,
    /// The management API's rate was exceeded (`LimitExceededException`, 429) after the adapter's own retries:
    /// the caller backs off and tries again later.
    #[error("the connections' rate limit was exceeded")]
    Throttled,
    #[error(transparent)]
    Port(#[from] PortError),
}

#[async_trait]
pub trait ConnectionPoster: Send + Sync {
    /// Sends `frame` as one text message to `connection_id`.
    async fn post(&self, connection_id: &str, frame: &str) -> Result<(), PostError>;

    /// Closes `connection_id` (its `$disconnect` follows); a connection already gone is not an error.
    async fn close(&self, connection_id: &str) -> Result<(), PostError>;
}
