//! POST /admin/pricing/rules — `shared::handlers::pricing::update_rules`, wired to its row of the route table.
use shared::handlers::pricing;
use shared::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::PRICING_RULES_UPDATE, |ctx, request| {
        Box::pin(pricing::update_rules(ctx, request))
    })
    .await
}
