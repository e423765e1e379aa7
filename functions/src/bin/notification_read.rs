//! POST /api/notifications/{id}/read — `realtime::notifications::mark_read`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::NOTIFICATION_READ, realtime::notifications::mark_read).await
}
