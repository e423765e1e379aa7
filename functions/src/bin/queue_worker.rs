//! SQS queue-worker — shared::handlers::queue_worker and the job registry in shared::worker.
#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_worker().await
}
