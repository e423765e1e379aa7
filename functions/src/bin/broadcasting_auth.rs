//! POST /api/broadcasting/auth — `realtime::endpoints::authorize_channel`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::BROADCASTING_AUTH, realtime::endpoints::authorize_channel).await
}
