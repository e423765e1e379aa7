//! POST /api/orders — `shared::handlers::orders::create`, wired to its row of the route table.
use shared::handlers::orders;
use shared::routes;

#[tokio::main]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::serve_http(&routes::ORDERS_CREATE, |ctx, request| Box::pin(orders::create(ctx, request))).await
}
