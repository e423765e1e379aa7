//! GET /admin/inventory — `shared::handlers::inventory::overview`, wired to its row of the route table.
use shared::handlers::inventory;
use shared::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::INVENTORY_GET, |ctx, request| Box::pin(inventory::overview(ctx, request)))
        .await
}
