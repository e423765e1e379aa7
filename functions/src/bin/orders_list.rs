//! GET /api/orders — shared::handlers::orders::list.
#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http("orders-list").await
}
