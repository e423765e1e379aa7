//! POST /admin/inventory/rebalance — `inventory::endpoints::rebalance`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::INVENTORY_REBALANCE, inventory::endpoints::rebalance).await
}
