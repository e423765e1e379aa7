//! A TCP forwarder on loopback that a test can cut and restore, or freeze and thaw: a backend (the test Redis)
//! stopping mid-test, or hanging, and coming back, for this test's clients only — the shared service keeps
//! running for the tests beside it.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub struct CuttableLink {
    address: SocketAddr,
    open: Arc<AtomicBool>,
    /// While true, bytes are held in both directions (connections stay open): a server that hangs.
    frozen: watch::Sender<bool>,
    /// While true, the server's bytes are held: requests arrive and are acted on, their answers are late.
    answers_held: watch::Sender<bool>,
    accepted: Arc<AtomicU64>,
    connections: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accept: JoinHandle<()>,
}

/// Copies `from` to `to`, holding what it read while any of `gates` is closed (true).
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    gates: Vec<watch::Receiver<bool>>,
) {
    let mut buffer = vec![0u8; 16 * 1024];
    'copy: loop {
        let read = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(read) => read,
        };
        for gate in &gates {
            if gate.clone().wait_for(|closed| !*closed).await.is_err() {
                break 'copy;
            }
        }
        if to.write_all(&buffer[..read]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

impl CuttableLink {
    /// Forwards a new loopback port to `upstream` (`host:port`).
    pub async fn to(upstream: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind a loopback port");
        let address = listener.local_addr().expect("its address");
        let open = Arc::new(AtomicBool::new(true));
        let (frozen, _) = watch::channel(false);
        let (answers_held, _) = watch::channel(false);
        let accepted = Arc::new(AtomicU64::new(0));
        let connections: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let upstream = upstream.to_owned();
        let accept = tokio::spawn({
            let (open, connections, accepted) = (open.clone(), connections.clone(), accepted.clone());
            let (frozen, answers_held) = (frozen.clone(), answers_held.clone());
            async move {
                while let Ok((client, _)) = listener.accept().await {
                    if !open.load(Ordering::SeqCst) {
                        // Cut: the connection is closed at once, as by a server that is gone.
                        continue;
                    }
                    accepted.fetch_add(1, Ordering::SeqCst);
                    let upstream = upstream.clone();
                    let (frozen, held) = (frozen.subscribe(), answers_held.subscribe());
                    let forward = tokio::spawn(async move {
                        if let Ok(server) = TcpStream::connect(&upstream).await {
                            let (client_read, client_write) = client.into_split();
                            let (server_read, server_write) = server.into_split();
                            tokio::join!(
                                pump(client_read, server_write, vec![frozen.clone()]),
                                pump(server_read, client_write, vec![frozen, held])
                            );
                        }
                    });
                    connections.lock().unwrap_or_else(|p| p.into_inner()).push(forward);
                }
            }
        });
        Self { address, open, frozen, answers_held, accepted, connections, accept }
    }

    /// How many connections the link has forwarded (a client that reconnects makes one more).
    pub fn connections_accepted(&self) -> u64 {
        self.accepted.load(Ordering::SeqCst)
    }

    /// Holds every byte, both ways, on the open connections and the new ones: the server hangs.
    pub fn freeze(&self) {
        self.frozen.send_replace(true);
    }

    /// Lets the held bytes and the new ones through again.
    pub fn thaw(&self) {
        self.frozen.send_replace(false);
    }

    /// Holds the server's answers (requests still arrive): a reply lost or late on the way back.
    pub fn hold_answers(&self) {
        self.answers_held.send_replace(true);
    }

    /// Lets the held answers through.
    pub fn release_answers(&self) {
        self.answers_held.send_replace(false);
    }

    /// The forwarder's `host:port`.
    pub fn address(&self) -> String {
        self.address.to_string()
    }

    /// Drops every forwarded connection and closes each new one at once.
    pub fn cut(&self) {
        self.open.store(false, Ordering::SeqCst);
        for connection in self.connections.lock().unwrap_or_else(|p| p.into_inner()).drain(..) {
            connection.abort();
        }
    }

    /// Forwards new connections again.
    pub fn restore(&self) {
        self.open.store(true, Ordering::SeqCst);
    }
}

impl Drop for CuttableLink {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}
