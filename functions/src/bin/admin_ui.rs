//! GET /admin/ui — `dashboards::pages::shell::endpoint`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::ADMIN_UI, dashboards::pages::shell::endpoint).await
}
