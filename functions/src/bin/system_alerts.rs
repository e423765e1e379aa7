//! GET /admin/system/alerts — `monitoring::endpoints::alerts`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::SYSTEM_ALERTS, monitoring::endpoints::alerts).await
}
