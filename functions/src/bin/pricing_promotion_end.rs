//! POST /admin/pricing/promotions/{code}/end — `pricing::endpoints::end_promotion`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::PRICING_PROMOTION_END, pricing::endpoints::end_promotion).await
}
