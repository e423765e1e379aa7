//! POST /admin/inventory/servers/{id}/status — shared::handlers::inventory::server_status.
#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http("inventory-server-status").await
}
