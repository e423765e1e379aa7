//! POST /api/notifications/read — `realtime::notifications::mark_all_read`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::NOTIFICATIONS_READ, realtime::notifications::mark_all_read).await
}
