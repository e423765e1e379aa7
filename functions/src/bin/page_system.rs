//! GET /admin/pages/system — `dashboards::pages::system::endpoint`, wired to its row of the route table, over CloudWatch Logs.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http_with_logs(&routes::PAGE_SYSTEM, dashboards::pages::system::endpoint).await
}
