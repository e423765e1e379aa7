//! DELETE /admin/system/queue/failed/{id} — `queues::endpoints::failed_delete`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::QUEUE_FAILED_DELETE, queues::endpoints::failed_delete).await
}
