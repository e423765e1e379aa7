//! Scheduled queue-maintenance — `shared::handlers::queues::maintenance`, wired to its row of the route table.
use shared::handlers::queues;
use shared::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_schedule(&routes::QUEUE_MAINTENANCE, |ctx, payload| {
        Box::pin(queues::maintenance(ctx, payload))
    })
    .await
}
