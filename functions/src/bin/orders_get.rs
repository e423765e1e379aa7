//! GET /api/orders/{id} — shared::handlers::orders::get.
#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http("orders-get").await
}
