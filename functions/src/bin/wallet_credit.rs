//! POST /admin/customers/{id}/wallet/credit — `shared::handlers::wallet::credit`, wired to its row of the route table.
use shared::handlers::wallet;
use shared::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::WALLET_CREDIT, |ctx, request| Box::pin(wallet::credit(ctx, request))).await
}
