//! POST /admin/inventory/rebalance — `shared::handlers::inventory::rebalance`, wired to its row of the route table.
use shared::handlers::inventory;
use shared::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::INVENTORY_REBALANCE, |ctx, request| {
        Box::pin(inventory::rebalance(ctx, request))
    })
    .await
}
