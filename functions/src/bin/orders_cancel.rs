//! POST /api/orders/{id}/cancel — `shared::handlers::orders::cancel`, wired to its row of the route table.
use shared::handlers::orders;
use shared::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::ORDERS_CANCEL, |ctx, request| Box::pin(orders::cancel(ctx, request))).await
}
