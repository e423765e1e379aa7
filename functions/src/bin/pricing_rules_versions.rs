//! GET /admin/pricing/rules/versions — shared::handlers::pricing::versions.
#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http("pricing-rules-versions").await
}
