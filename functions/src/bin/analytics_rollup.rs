//! Scheduled analytics-rollup — `analytics::scheduled::telemetry_rollup`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_schedule(&routes::ANALYTICS_ROLLUP, analytics::scheduled::telemetry_rollup).await
}
