//! GET /admin/pricing/rules/versions — `pricing::endpoints::versions`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::PRICING_RULES_VERSIONS, pricing::endpoints::versions).await
}
