//! POST /admin/inventory/servers/{id}/status — `inventory::endpoints::server_status`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::INVENTORY_SERVER_STATUS, inventory::endpoints::server_status).await
}
