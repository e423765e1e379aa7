//! PUT /api/profile — `shared::handlers::profile::update`, wired to its row of the route table.
use shared::handlers::profile;
use shared::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::PROFILE_UPDATE, |ctx, request| Box::pin(profile::update(ctx, request))).await
}
