//! GET /api/notifications — `realtime::notifications::list`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::NOTIFICATIONS, realtime::notifications::list).await
}
