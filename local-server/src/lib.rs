//! The local API Gateway, as a library for the local server's binary and the integration tests: HTTP routes
//! (`gateway`), the real-time WebSocket API (`websocket`), the schedules and queue workers (`background`) and
//! the dev tokens the gateway verifies (`dev_token`).

pub mod background;
pub mod dev_token;
pub mod gateway;
pub mod websocket;

use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use shared::adapters::memory::MemoryConnections;
use shared::app::AppContext;
use std::sync::Arc;

/// Accepts connections and answers each request through the local API Gateway — an HTTP route, the WebSocket
/// API's upgrade, or its management API (`/@connections/<id>`) — until the listener fails. `connections` must be the ones `ctx` posts to.
pub async fn serve_http(
    listener: tokio::net::TcpListener,
    ctx: Arc<AppContext>,
    secret: Arc<String>,
    connections: Arc<MemoryConnections>,
) -> Result<(), String> {
    loop {
        let (stream, _) = listener.accept().await.map_err(|e| e.to_string())?;
        let (ctx, secret, connections) = (ctx.clone(), secret.clone(), connections.clone());
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let (ctx, secret, connections) = (ctx.clone(), secret.clone(), connections.clone());
                async move {
                    let response = if websocket::is_websocket(&request) {
                        websocket::accept(ctx, connections, request).await
                    } else if websocket::is_management(&request) {
                        websocket::manage(&connections, request).await
                    } else {
                        gateway::handle(&ctx, &secret, request).await
                    };
                    Ok::<_, std::convert::Infallible>(response)
                }
            });
            let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service).with_upgrades();
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection closed with an error");
            }
        });
    }
}
