//! POST /api/orders/{id}/cancel — `orders::endpoints::cancel`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::ORDERS_CANCEL, orders::endpoints::cancel).await
}
