//! POST /admin/pricing/rules — shared::handlers::pricing::update_rules.
#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http("pricing-rules-update").await
}
