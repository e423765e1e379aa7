//! GET /admin/pages/inventory — `dashboards::pages::inventory::endpoint`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::PAGE_INVENTORY, dashboards::pages::inventory::endpoint).await
}
