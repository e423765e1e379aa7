//! Scheduled inventory-check — `shared::handlers::inventory::check`, wired to its row of the route table.
use shared::handlers::inventory;
use shared::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_schedule(&routes::INVENTORY_CHECK, |ctx, payload| Box::pin(inventory::check(ctx, payload)))
        .await
}
