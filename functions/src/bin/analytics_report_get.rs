//! GET /admin/analytics/reports/{id} — `analytics::endpoints::report`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::ANALYTICS_REPORT_GET, analytics::endpoints::report).await
}
