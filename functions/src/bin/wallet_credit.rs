//! POST /admin/customers/{id}/wallet/credit — `orders::endpoints::wallet::credit`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::WALLET_CREDIT, orders::endpoints::wallet::credit).await
}
