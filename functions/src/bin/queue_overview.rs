//! GET /admin/system/queue — shared::handlers::queues::overview.
#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http("queue-overview").await
}
