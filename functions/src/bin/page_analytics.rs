//! GET /admin/pages/analytics — `dashboards::pages::analytics::endpoint`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::PAGE_ANALYTICS, dashboards::pages::analytics::endpoint).await
}
