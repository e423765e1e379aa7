//! DELETE /admin/system/queue/failed/{id} — shared::handlers::queues::failed_delete.
#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http("queue-failed-delete").await
}
