//! GET /admin/inventory — shared::handlers::inventory::overview.
#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http("inventory-get").await
}
