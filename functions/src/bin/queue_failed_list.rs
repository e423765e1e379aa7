//! GET /admin/system/queue/failed — `queues::endpoints::failed_list`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::QUEUE_FAILED_LIST, queues::endpoints::failed_list).await
}
