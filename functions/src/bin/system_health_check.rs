//! Scheduled system-health-check — `monitoring::scheduled::health_check`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_schedule(&routes::SYSTEM_HEALTH_CHECK, monitoring::scheduled::health_check).await
}
