//! POST /api/pricing/quote — shared::handlers::pricing::quote.
#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http("pricing-quote").await
}
