//! GET /admin/system/queue/failed — `shared::handlers::queues::failed_list`, wired to its row of the route table.
use shared::handlers::queues;
use shared::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::QUEUE_FAILED_LIST, |ctx, request| Box::pin(queues::failed_list(ctx, request)))
        .await
}
