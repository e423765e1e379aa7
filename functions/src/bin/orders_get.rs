//! GET /api/orders/{id} — `shared::handlers::orders::get`, wired to its row of the route table.
use shared::handlers::orders;
use shared::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::ORDERS_GET, |ctx, request| Box::pin(orders::get(ctx, request))).await
}
