//! POST /admin/pricing/rules/rollback — `pricing::endpoints::rollback`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::PRICING_RULES_ROLLBACK, pricing::endpoints::rollback).await
}
