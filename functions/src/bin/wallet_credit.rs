//! POST /admin/customers/{id}/wallet/credit — shared::handlers::wallet::credit.
#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http("wallet-credit").await
}
