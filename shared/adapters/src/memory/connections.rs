//! The connections port in process: what the local server's WebSocket gateway (and the tests) answer
//! `PostToConnection` with. A connection is open from `open` (after its `$connect` succeeded, as in API
//! Gateway, where a post during `$connect` is refused as gone) until `closed` or its receiver is dropped.

use async_trait::async_trait;
use proxy_core::error::{Backend, PortError};
use proxy_core::ports::connections::{ConnectionPoster, PostError};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::mpsc;

/// What the gateway is asked to do with an open socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outbound {
    /// Send this text frame.
    Frame(String),
    /// Close the socket (`DeleteConnection`).
    Close,
}

/// The largest frame API Gateway posts (`PayloadTooLargeException` beyond).
pub const MAX_FRAME_BYTES: usize = 128 * 1024;

#[derive(Default)]
pub struct MemoryConnections {
    open: Mutex<HashMap<String, mpsc::UnboundedSender<Outbound>>>,
    posts: AtomicU64,
}

impl MemoryConnections {
    pub fn new() -> Self {
        Self::default()
    }

    /// Opens `connection_id`: what is posted to it arrives on the receiver, until it is closed.
    pub fn open(&self, connection_id: &str) -> mpsc::UnboundedReceiver<Outbound> {
        let (sender, receiver) = mpsc::unbounded_channel();
        self.lock().insert(connection_id.to_owned(), sender);
        receiver
    }

    /// The socket of `connection_id` closed (the client left, or the gateway dropped it).
    pub fn closed(&self, connection_id: &str) {
        self.lock().remove(connection_id);
    }

    /// How many frames were delivered so far (benchmarks count posts with it).
    pub fn posts(&self) -> u64 {
        self.posts.load(Ordering::Relaxed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, mpsc::UnboundedSender<Outbound>>> {
        self.open.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn send(&self, connection_id: &str, outbound: Outbound) -> Result<(), PostError> {
        let sender = self.lock().get(connection_id).cloned().ok_or(PostError::Gone)?;
        sender.send(outbound).map_err(|_| {
            self.closed(connection_id);
            PostError::Gone
        })
    }
}

#[async_trait]
impl ConnectionPoster for MemoryConnections {
    async fn post(&self, connection_id: &str, frame: &str) -> Result<(), PostError> {
        if frame.len() > MAX_FRAME_BYTES {
            let detail = format!("a frame of {} bytes is over {MAX_FRAME_BYTES}", frame.len());
            return Err(PostError::Port(PortError::Invalid { backend: Backend::Connections, detail }));
        }
        self.send(connection_id, Outbound::Frame(frame.to_owned()))?;
        self.posts.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    async fn close(&self, connection_id: &str) -> Result<(), PostError> {
        match self.send(connection_id, Outbound::Close) {
            Ok(()) | Err(PostError::Gone) => Ok(()),
            Err(other) => Err(other),
        }
    }
}
