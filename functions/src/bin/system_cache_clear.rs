//! POST /admin/system/cache/clear — `cache::endpoints::clear`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::SYSTEM_CACHE_CLEAR, cache::endpoints::clear).await
}
