//! POST /api/chats/{id}/read — `realtime::chat::endpoints::mark_read`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::CHAT_READ, realtime::chat::endpoints::mark_read).await
}
