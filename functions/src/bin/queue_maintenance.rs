//! Scheduled queue-maintenance — shared::handlers::queues::maintenance.
#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_schedule("queue-maintenance").await
}
