//! GET /admin/system/dashboard — `dashboards::system::endpoint`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::SYSTEM_DASHBOARD, dashboards::system::endpoint).await
}
