//! POST /admin/chats/{id}/assign — `realtime::chat::endpoints::assign`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::ADMIN_CHAT_ASSIGN, realtime::chat::endpoints::assign).await
}
