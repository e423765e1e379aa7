//! GET /admin/pages/chats — `dashboards::pages::chats::endpoint`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::PAGE_CHATS, dashboards::pages::chats::endpoint).await
}
