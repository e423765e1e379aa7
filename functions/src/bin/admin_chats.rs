//! GET /admin/chats — `realtime::chat::endpoints::admin_list`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::ADMIN_CHATS, realtime::chat::endpoints::admin_list).await
}
