//! GET /admin/pricing — shared::handlers::pricing::overview.
#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http("pricing-get").await
}
