//! POST /api/orders — shared::handlers::orders::create.
#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http("orders-create").await
}
