//! GET /admin/pages/pricing — `dashboards::pages::pricing::endpoint`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::PAGE_PRICING, dashboards::pages::pricing::endpoint).await
}
