//! POST /admin/inventory/servers/{id}/status — `shared::handlers::inventory::server_status`, wired to its row of the route table.
use shared::handlers::inventory;
use shared::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::INVENTORY_SERVER_STATUS, |ctx, request| {
        Box::pin(inventory::server_status(ctx, request))
    })
    .await
}
