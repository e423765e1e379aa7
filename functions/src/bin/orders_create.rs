//! POST /api/orders — `orders::endpoints::create`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::ORDERS_CREATE, orders::endpoints::create).await
}
