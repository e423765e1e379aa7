//! GET /admin/system/health — `monitoring::endpoints::health`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::SYSTEM_HEALTH, monitoring::endpoints::health).await
}
