//! Scheduled system-health-check — shared::handlers::system_health_check.
#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_schedule("system-health-check").await
}
