//! GET /api/chats — `realtime::chat::endpoints::list`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::CHATS, realtime::chat::endpoints::list).await
}
