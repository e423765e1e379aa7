//! POST /admin/notifications/{id}/read — `monitoring::notifications::mark_read`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::ADMIN_NOTIFICATION_READ, monitoring::notifications::mark_read).await
}
