//! WebSocket $disconnect — `realtime::socket` through `shared::websocket`: forgets the connection.
#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_websocket(&api::routes::REALTIME_DISCONNECT).await
}
