//! POST /api/pricing/quote — `shared::handlers::pricing::quote`, wired to its row of the route table.
use shared::handlers::pricing;
use shared::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::PRICING_QUOTE, |ctx, request| Box::pin(pricing::quote(ctx, request))).await
}
