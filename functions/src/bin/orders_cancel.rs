//! POST /api/orders/{id}/cancel — shared::handlers::orders::cancel.
#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http("orders-cancel").await
}
