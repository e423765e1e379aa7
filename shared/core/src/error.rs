//! Errors of the ports. Every adapter maps its backend's failures onto these, so services handle one
//! vocabulary: a failed condition is `Conflict` whichever store said it.

use thiserror::Error;

/// Which backend an error came from; used in health reports and logs, never shown to API callers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    Store,
    Cache,
    Queue,
    /// A server's X-UI panel.
    Panel,
    /// The queues' worker pool (Lambda event source mappings).
    Workers,
    /// The mail service (SES).
    Mail,
    /// The log store (CloudWatch Logs).
    Logs,
    /// The WebSocket API's connections (API Gateway's management API).
    Connections,
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Backend::Store => "store",
            Backend::Cache => "cache",
            Backend::Queue => "queue",
            Backend::Panel => "panel",
            Backend::Workers => "workers",
            Backend::Mail => "mail",
            Backend::Logs => "logs",
            Backend::Connections => "connections",
        })
    }
}

#[derive(Debug, Error)]
pub enum PortError {
    /// A conditional write's condition did not hold. For a transaction, `op_index` names the operation whose
    /// condition failed (when the backend says), so callers can tell "no capacity" from "no money".
    #[error("condition failed{}", op_index.map(|i| format!(" on operation {i}")).unwrap_or_default())]
    Conflict { op_index: Option<usize> },
    /// The backend did not answer within the call's time limit.
    #[error("{backend} timed out during {operation}")]
    Timeout { backend: Backend, operation: &'static str },
    /// The backend answered with an error or could not be reached.
    #[error("{backend} unavailable: {detail}")]
    Unavailable { backend: Backend, detail: String },
    /// Data read back did not have the expected shape (a bug or a foreign writer).
    #[error("corrupt data in {backend}: {detail}")]
    Corrupt { backend: Backend, detail: String },
    /// The request to the port was malformed (e.g. a transaction with too many items).
    #[error("invalid request to {backend}: {detail}")]
    Invalid { backend: Backend, detail: String },
}

impl PortError {
    pub fn is_conflict(&self) -> bool {
        matches!(self, PortError::Conflict { .. })
    }

    pub fn unavailable(backend: Backend, detail: impl std::fmt::Display) -> Self {
        PortError::Unavailable { backend, detail: detail.to_string() }
    }

    pub fn corrupt(backend: Backend, detail: impl std::fmt::Display) -> Self {
        PortError::Corrupt { backend, detail: detail.to_string() }
    }
}

pub type PortResult<T> = Result<T, PortError>;

/// An error with its whole source chain: SDK errors say only "service error" at the top.
pub fn describe(error: &dyn std::error::Error) -> String {
    let mut detail = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        detail.push_str(": ");
        detail.push_str(&s.to_string());
        source = s.source();
    }
    detail
}
