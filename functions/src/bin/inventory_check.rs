//! Scheduled inventory-check — `inventory::scheduled::check`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_schedule(&routes::INVENTORY_CHECK, inventory::scheduled::check).await
}
