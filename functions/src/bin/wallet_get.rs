//! GET /api/wallet — `orders::endpoints::wallet::get`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::WALLET_GET, orders::endpoints::wallet::get).await
}
