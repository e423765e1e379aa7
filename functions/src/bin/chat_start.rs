//! POST /api/chats — `realtime::chat::endpoints::start`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::CHAT_START, realtime::chat::endpoints::start).await
}
