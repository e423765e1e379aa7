//! Scheduled queue-autoscale — shared::handlers::queues::autoscale.
#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_schedule("queue-autoscale").await
}
