//! POST /api/chats/{id}/messages — `realtime::chat::endpoints::send`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::CHAT_SEND, realtime::chat::endpoints::send).await
}
