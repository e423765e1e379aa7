//! GET /admin/system/health — `shared::handlers::system_health::handle`, wired to its row of the route table.
use shared::handlers::system_health;
use shared::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::SYSTEM_HEALTH, |ctx, request| Box::pin(system_health::handle(ctx, request)))
        .await
}
