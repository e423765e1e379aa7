//! GET /admin/analytics/reports — `analytics::endpoints::reports`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::ANALYTICS_REPORTS, analytics::endpoints::reports).await
}
