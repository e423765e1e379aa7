//! Scheduled system-health-check — `shared::handlers::system_health_check::handle`, wired to its row of the route table.
use shared::handlers::system_health_check;
use shared::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_schedule(&routes::SYSTEM_HEALTH_CHECK, |ctx, payload| {
        Box::pin(system_health_check::handle(ctx, payload))
    })
    .await
}
