//! GET /admin/activity — `realtime::activity::admins`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::ADMIN_ACTIVITY, realtime::activity::admins).await
}
