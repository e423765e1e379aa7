use async_trait::async_trait;
use proxy_core::domain::{ClientId, Server, ServerId};
use proxy_core::error::{Backend, PortError, PortResult};
use proxy_core::ports::{PanelClient, PanelClientSpec};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// The panels of the embedded backend: remembers which clients exist on which server. A server that is
/// `down` refuses, as its panel would be unreachable; every call can be made to take a while, as a distant
/// panel's would, and the most calls ever in flight at once are counted.
#[derive(Default)]
pub struct MemoryPanel {
    clients: Mutex<BTreeMap<ServerId, BTreeMap<ClientId, PanelClientSpec>>>,
    unreachable: Mutex<BTreeSet<ServerId>>,
    latency: Mutex<Duration>,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
}

impl MemoryPanel {
    pub fn new() -> Self {
        Self::default()
    }

    /// The clients on a server's panel.
    pub fn clients_on(&self, server: &ServerId) -> Vec<PanelClientSpec> {
        let clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        clients.get(server).map(|c| c.values().cloned().collect()).unwrap_or_default()
    }

    /// Makes a server's panel stop (or start again) answering, as when its host is down.
    pub fn set_reachable(&self, server: &ServerId, reachable: bool) {
        let mut unreachable = self.unreachable.lock().unwrap_or_else(|p| p.into_inner());
        if reachable {
            unreachable.remove(server);
        } else {
            unreachable.insert(server.clone());
        }
    }

    /// How long each call takes from now on.
    pub fn set_latency(&self, latency: Duration) {
        *self.latency.lock().unwrap_or_else(|p| p.into_inner()) = latency;
    }

    /// The most calls that were in flight at once.
    pub fn most_in_flight(&self) -> usize {
        self.most_in_flight.load(Ordering::SeqCst)
    }

    /// Waits the panel's latency, counted as a call in flight.
    async fn answer_after_latency(&self) {
        /// Counts the call out however it ends (a caller's time limit drops it mid-wait).
        struct InFlight<'a>(&'a AtomicUsize);
        impl Drop for InFlight<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::SeqCst);
            }
        }
        let latency = *self.latency.lock().unwrap_or_else(|p| p.into_inner());
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        let _counted = InFlight(&self.in_flight);
        self.most_in_flight.fetch_max(now, Ordering::SeqCst);
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
    }

    fn check(&self, server: &Server) -> PortResult<()> {
        let unreachable = self.unreachable.lock().unwrap_or_else(|p| p.into_inner()).contains(&server.id);
        if unreachable || server.status == proxy_core::domain::ServerStatus::Down {
            return Err(PortError::unavailable(Backend::Panel, format!("panel of {} does not answer", server.name)));
        }
        Ok(())
    }
}

#[async_trait]
impl PanelClient for MemoryPanel {
    async fn add_client(&self, server: &Server, client: &PanelClientSpec) -> PortResult<()> {
        self.answer_after_latency().await;
        self.check(server)?;
        let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        clients.entry(server.id.clone()).or_default().insert(client.id.clone(), client.clone());
        Ok(())
    }

    async fn probe(&self, server: &Server) -> PortResult<()> {
        let answered = tokio::time::timeout(proxy_core::ports::panel::PROBE_LIMIT, self.answer_after_latency()).await;
        if answered.is_err() {
            return Err(PortError::Timeout { backend: Backend::Panel, operation: "panel probe" });
        }
        self.check(server)
    }

    async fn remove_client(&self, server: &Server, _inbound_id: u32, client: &ClientId) -> PortResult<()> {
        self.check(server)?;
        let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(on_server) = clients.get_mut(&server.id) {
            on_server.remove(client);
        }
        Ok(())
    }
}
