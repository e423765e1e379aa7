//! GET /api/activity — `realtime::activity::customer`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::ACTIVITY, realtime::activity::customer).await
}
