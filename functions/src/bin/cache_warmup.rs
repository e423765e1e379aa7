//! Scheduled cache-warmup — `cache::scheduled::warmup`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_schedule(&routes::CACHE_WARMUP, cache::scheduled::warmup).await
}
