//! GET /admin/presence — `realtime::online::endpoint`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::ADMIN_PRESENCE, realtime::online::endpoint).await
}
