//! GET /api/wallet — shared::handlers::wallet::get.
#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http("wallet-get").await
}
