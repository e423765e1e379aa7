//! POST /admin/pricing/rules/rollback — shared::handlers::pricing::rollback.
#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http("pricing-rules-rollback").await
}
