//! POST /admin/pricing/promotions — `pricing::endpoints::create_promotion`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::PRICING_PROMOTION_CREATE, pricing::endpoints::create_promotion).await
}
