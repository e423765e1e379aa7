//! GET /admin/system/queue/failed — shared::handlers::queues::failed_list.
#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http("queue-failed-list").await
}
