//! SQS queue-worker — `shared::worker`: every context's job handlers, run by `queues::worker`.
#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_worker().await
}
