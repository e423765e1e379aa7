//! GET /admin/system/queue — `shared::handlers::queues::overview`, wired to its row of the route table.
use shared::handlers::queues;
use shared::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::QUEUE_OVERVIEW, |ctx, request| Box::pin(queues::overview(ctx, request))).await
}
