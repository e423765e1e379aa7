//! GET /admin/pricing/promotions — `pricing::endpoints::promotions`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::PRICING_PROMOTIONS, pricing::endpoints::promotions).await
}
