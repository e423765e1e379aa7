//! WebSocket $default — `realtime::socket` through `shared::websocket`: answers a Pusher frame.
#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_websocket(&api::routes::REALTIME_MESSAGE).await
}
