//! POST /admin/system/alerts/{id}/ack — `monitoring::endpoints::acknowledge`, wired to its row of the route table.
use api::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::SYSTEM_ALERT_ACK, monitoring::endpoints::acknowledge).await
}
