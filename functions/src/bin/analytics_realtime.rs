//! GET /admin/analytics/realtime — `analytics::endpoints::realtime`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::ANALYTICS_REALTIME, analytics::endpoints::realtime).await
}
