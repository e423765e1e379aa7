//! One Redis server as the adapters reach it: where it is and how to trust and authenticate to it
//! (`RedisEndpoint`), and the connection to it (`RedisLink`), which every `RedisCache` and `RedisTaggedCache` on
//! that server shares.
//!
//! Supported: Redis or Valkey 7 or newer (the rate limiter and the tagged cache use `EXPIRE .. NX|GT`), cluster
//! mode disabled (the tagged cache's scripts touch keys a cluster could not route) — as ElastiCache's "Redis
//! OSS" or "Valkey" replication group with in-transit encryption and an AUTH token, or any such server.
//!
//! Two failure modes the connection manager alone does not handle:
//! - A Redis that stops answering (frozen, or a network path gone) leaves the connection open: the manager only
//!   reconnects after an error it considers unrecoverable, and a timeout is not one, so every request would pay
//!   the full timeout until the kernel gave up on the socket. After a timeout, or any failure of the link, the
//!   link drops that connection and the next call makes a new one.
//! - A Redis that is down costs each caller its timeout. After a failure of the link (not of a command: a
//!   script error is the caller's), the link is broken for `BREAK_FOR` and calls fail at once.

use super::secrets::Secret;
use proxy_core::clock::Clock;
use proxy_core::error::{Backend, PortError, PortResult};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{ConnectionAddr, IntoConnectionInfo, RedisError};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// How long calls fail at once after the link failed.
pub const BREAK_FOR: chrono::Duration = chrono::Duration::seconds(5);

/// The certificate authorities of ElastiCache's in-transit encryption (Amazon Trust Services' roots).
const AMAZON_TRUST_SERVICES_PEM: &[u8] = include_bytes!("amazon-trust-services.pem");

/// Where a Redis is and how to connect to it.
#[derive(Clone, Debug)]
pub struct RedisEndpoint {
    /// `redis://host:port/db` or, with TLS, `rediss://host:port/db`; may carry a user name.
    pub url: String,
    /// The certificate authorities (PEM) a `rediss://` server's certificate must chain to. `None`: Amazon Trust
    /// Services' roots, which ElastiCache's certificates chain to; a self-managed Redis with its own CA gives
    /// that CA here.
    pub ca_pem: Option<Vec<u8>>,
    /// The password (ElastiCache's AUTH token, or the URL's user's password), read on the first connection;
    /// `None`: the URL's password, if any.
    pub auth: Option<Secret>,
}

impl RedisEndpoint {
    pub fn url(url: impl Into<String>) -> Self {
        Self { url: url.into(), ca_pem: None, auth: None }
    }
}

pub(super) struct RedisLink {
    endpoint: RedisEndpoint,
    info: redis::ConnectionInfo,
    config: ConnectionManagerConfig,
    clock: Arc<dyn Clock>,
    state: Mutex<LinkState>,
}

#[derive(Default)]
struct LinkState {
    /// The connection in use and its number, so that a caller that saw it time out drops that one only.
    connection: Option<(u64, ConnectionManager)>,
    connections_made: u64,
    broken_until: Option<chrono::DateTime<chrono::Utc>>,
}

fn unavailable(detail: impl std::fmt::Display) -> PortError {
    PortError::unavailable(Backend::Cache, detail)
}

/// Whether an error says the link is bad (the server unreachable, gone, slow, or refusing us), rather than
/// that one command was wrong.
fn is_link_failure(error: &RedisError) -> bool {
    error.is_io_error()
        || error.is_connection_refusal()
        || error.is_connection_dropped()
        || error.is_timeout()
        || error.kind() == redis::ErrorKind::AuthenticationFailed
}

impl RedisLink {
    /// Checks the URL now; connects on first use.
    pub(super) fn new(endpoint: RedisEndpoint, clock: Arc<dyn Clock>) -> PortResult<Self> {
        let info = endpoint.url.as_str().into_connection_info().map_err(unavailable)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(super::redis::SCRIPT_LIMIT))
            .set_response_timeout(Some(super::redis::SCRIPT_LIMIT))
            .set_number_of_retries(1);
        Ok(Self { endpoint, info, config, clock, state: Mutex::default() })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, LinkState> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs one command under `limit`.
    pub(super) async fn query<T: redis::FromRedisValue>(
        &self,
        operation: &'static str,
        limit: Duration,
        cmd: redis::Cmd,
    ) -> PortResult<T> {
        self.run(operation, limit, async move |mut connection| cmd.query_async(&mut connection).await).await
    }

    /// Runs `call` on the connection, all of it (connecting included) under `limit`.
    pub(super) async fn run<T>(
        &self,
        operation: &'static str,
        limit: Duration,
        call: impl AsyncFnOnce(ConnectionManager) -> Result<T, RedisError>,
    ) -> PortResult<T> {
        if let Some(until) = self.state().broken_until.filter(|until| *until > self.clock.now()) {
            return Err(unavailable(format!("Redis failed moments ago; not called again before {until}")));
        }
        let deadline = Instant::now() + limit;
        // Waiting for the connection's set-up (the secret's read) is not the server's failure: the read goes on
        // in the background and a later call finds it done.
        let (number, connection) = match tokio::time::timeout_at(deadline, self.connection()).await {
            Err(_) => return Err(PortError::Timeout { backend: Backend::Cache, operation }),
            Ok(Err(error)) => {
                self.broken();
                return Err(error);
            }
            Ok(Ok(connection)) => connection,
        };
        match tokio::time::timeout_at(deadline, call(connection)).await {
            // A single command that outlives its short limit means the server or the path to it hangs; a script
            // or a scan past its longer one may only be large work (clearing a store), which must not take the
            // cache away from every request for the break.
            Err(_) if limit < super::redis::SCRIPT_LIMIT => {
                self.broken();
                self.drop_connection(number);
                Err(PortError::Timeout { backend: Backend::Cache, operation })
            }
            Err(_) => Err(PortError::Timeout { backend: Backend::Cache, operation }),
            Ok(Err(error)) => {
                if is_link_failure(&error) {
                    // Connect anew on the next call: the manager's own reconnection, started when the failure
                    // was seen, may itself fail while the server is still down, and it would hand that stale
                    // failure to the first caller after the server is back.
                    self.broken();
                    self.drop_connection(number);
                }
                if error.kind() == redis::ErrorKind::AuthenticationFailed {
                    // The token may have been rotated since this instance read it: read it again, and connect anew.
                    if let Some(secret) = &self.endpoint.auth {
                        secret.forget();
                    }
                    self.drop_connection(number);
                }
                Err(unavailable(error))
            }
            Ok(Ok(value)) => Ok(value),
        }
    }

    fn broken(&self) {
        self.state().broken_until = Some(self.clock.now() + BREAK_FOR);
    }

    fn drop_connection(&self, number: u64) {
        let mut state = self.state();
        if state.connection.as_ref().is_some_and(|(current, _)| *current == number) {
            state.connection = None;
        }
    }

    /// The connection in use, or a new one (connected by its first command).
    async fn connection(&self) -> PortResult<(u64, ConnectionManager)> {
        if let Some(connection) = self.state().connection.clone() {
            return Ok(connection);
        }
        let password = match &self.endpoint.auth {
            Some(secret) => Some(secret.get().await.map_err(unavailable)?),
            None => None,
        };
        let mut info = self.info.clone();
        if let Some(password) = password {
            let settings = info.redis_settings().clone().set_password(&*password);
            info = info.set_redis_settings(settings);
        }
        let client = match info.addr() {
            ConnectionAddr::TcpTls { .. } => {
                let roots = self.endpoint.ca_pem.clone().unwrap_or_else(|| AMAZON_TRUST_SERVICES_PEM.to_vec());
                redis::Client::build_with_tls(info, redis::TlsCertificates { client_tls: None, root_cert: Some(roots) })
            }
            _ => redis::Client::open(info),
        }
        .map_err(unavailable)?;
        let manager = ConnectionManager::new_lazy_with_config(client, self.config.clone()).map_err(unavailable)?;
        let mut state = self.state();
        if let Some(connection) = state.connection.clone() {
            // Another caller made one meanwhile: use theirs, so the instance keeps one connection.
            return Ok(connection);
        }
        state.connections_made += 1;
        let connection = (state.connections_made, manager);
        state.connection = Some(connection.clone());
        Ok(connection)
    }
}
