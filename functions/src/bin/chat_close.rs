//! POST /api/chats/{id}/close — `realtime::chat::endpoints::close`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::CHAT_CLOSE, realtime::chat::endpoints::close).await
}
