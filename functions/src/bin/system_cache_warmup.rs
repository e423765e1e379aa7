//! POST /admin/system/cache/warmup — `cache::endpoints::warmup`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::SYSTEM_CACHE_WARMUP, cache::endpoints::warmup).await
}
