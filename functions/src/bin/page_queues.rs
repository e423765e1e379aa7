//! GET /admin/pages/queues — `dashboards::pages::queues::endpoint`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::PAGE_QUEUES, dashboards::pages::queues::endpoint).await
}
