//! POST /admin/inventory/rebalance — shared::handlers::inventory::rebalance.
#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http("inventory-rebalance").await
}
