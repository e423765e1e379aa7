//! POST /admin/pricing/rules/rollback — `shared::handlers::pricing::rollback`, wired to its row of the route table.
use shared::handlers::pricing;
use shared::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::PRICING_RULES_ROLLBACK, |ctx, request| {
        Box::pin(pricing::rollback(ctx, request))
    })
    .await
}
