//! GET /admin/system/export — `dashboards::export::endpoint`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::SYSTEM_EXPORT, dashboards::export::endpoint).await
}
