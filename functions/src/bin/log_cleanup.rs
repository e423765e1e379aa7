//! Scheduled log-cleanup — `monitoring::cleanup::log_cleanup`, wired to its row of the route table, with CloudWatch Logs.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_schedule_with_logs(&routes::LOG_CLEANUP, monitoring::cleanup::log_cleanup).await
}
