//! Scheduled client-expiry — `inventory::scheduled::client_expiry`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_schedule(&routes::CLIENT_EXPIRY, inventory::scheduled::client_expiry).await
}
