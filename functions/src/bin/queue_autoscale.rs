//! Scheduled queue-autoscale — `queues::scheduled::autoscale`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_schedule(&routes::QUEUE_AUTOSCALE, queues::scheduled::autoscale).await
}
