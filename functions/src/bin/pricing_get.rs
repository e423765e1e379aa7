//! GET /admin/pricing — `shared::handlers::pricing::overview`, wired to its row of the route table.
use shared::handlers::pricing;
use shared::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::PRICING_GET, |ctx, request| Box::pin(pricing::overview(ctx, request))).await
}
