//! POST /admin/system/queue/retry — `shared::handlers::queues::retry`, wired to its row of the route table.
use shared::handlers::queues;
use shared::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::QUEUE_RETRY, |ctx, request| Box::pin(queues::retry(ctx, request))).await
}
