//! GET /api/wallet — `shared::handlers::wallet::get`, wired to its row of the route table.
use shared::handlers::wallet;
use shared::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::WALLET_GET, |ctx, request| Box::pin(wallet::get(ctx, request))).await
}
