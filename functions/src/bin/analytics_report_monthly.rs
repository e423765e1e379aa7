//! Scheduled analytics-report-monthly — `analytics::scheduled::monthly_report`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_schedule(&routes::ANALYTICS_REPORT_MONTHLY, analytics::scheduled::monthly_report).await
}
