//! GET /api/orders — `shared::handlers::orders::list`, wired to its row of the route table.
use shared::handlers::orders;
use shared::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::ORDERS_LIST, |ctx, request| Box::pin(orders::list(ctx, request))).await
}
