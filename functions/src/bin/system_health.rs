//! GET /admin/system/health — shared::handlers::system_health.
#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http("system-health").await
}
