//! POST /admin/system/queue/retry — shared::handlers::queues::retry.
#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http("queue-retry").await
}
