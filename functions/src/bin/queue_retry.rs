//! POST /admin/system/queue/retry — `queues::endpoints::retry`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::QUEUE_RETRY, queues::endpoints::retry).await
}
