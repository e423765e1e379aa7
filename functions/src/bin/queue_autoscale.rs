//! Scheduled queue-autoscale — `shared::handlers::queues::autoscale`, wired to its row of the route table.
use shared::handlers::queues;
use shared::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_schedule(&routes::QUEUE_AUTOSCALE, |ctx, payload| Box::pin(queues::autoscale(ctx, payload)))
        .await
}
