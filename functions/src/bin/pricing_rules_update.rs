//! POST /admin/pricing/rules — `pricing::endpoints::update_rules`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::PRICING_RULES_UPDATE, pricing::endpoints::update_rules).await
}
