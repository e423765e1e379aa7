//! GET /api/chats/{id}/messages — `realtime::chat::endpoints::messages`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::CHAT_MESSAGES, realtime::chat::endpoints::messages).await
}
