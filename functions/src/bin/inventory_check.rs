//! Scheduled inventory-check — shared::handlers::inventory::check.
#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_schedule("inventory-check").await
}
