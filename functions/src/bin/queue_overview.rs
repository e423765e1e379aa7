//! GET /admin/system/queue — `queues::endpoints::overview`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::QUEUE_OVERVIEW, queues::endpoints::overview).await
}
