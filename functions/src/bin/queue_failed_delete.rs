//! DELETE /admin/system/queue/failed/{id} — `shared::handlers::queues::failed_delete`, wired to its row of the route table.
use shared::handlers::queues;
use shared::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::QUEUE_FAILED_DELETE, |ctx, request| {
        Box::pin(queues::failed_delete(ctx, request))
    })
    .await
}
