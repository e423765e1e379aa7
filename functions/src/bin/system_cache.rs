//! GET /admin/system/cache — `cache::endpoints::overview`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::SYSTEM_CACHE, cache::endpoints::overview).await
}
