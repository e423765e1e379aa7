//! POST /api/pricing/quote — `pricing::endpoints::quote`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::PRICING_QUOTE, pricing::endpoints::quote).await
}
