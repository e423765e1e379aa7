//! WebSocket $connect — `realtime::socket` through `shared::websocket`: registers the connection.
#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_websocket(&api::routes::REALTIME_CONNECT).await
}
