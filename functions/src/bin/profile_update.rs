//! PUT /api/profile — shared::handlers::profile::update.
#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http("profile-update").await
}
