//! PUT /api/profile — `orders::endpoints::profile::update`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::PROFILE_UPDATE, orders::endpoints::profile::update).await
}
