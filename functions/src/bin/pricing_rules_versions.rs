//! GET /admin/pricing/rules/versions — `shared::handlers::pricing::versions`, wired to its row of the route table.
use shared::handlers::pricing;
use shared::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::PRICING_RULES_VERSIONS, |ctx, request| {
        Box::pin(pricing::versions(ctx, request))
    })
    .await
}
