//! The customer's views kept in the cache of views (`cache::TieredCache`) — the first page of their orders and
//! of their wallet, what they read most — and what a write of theirs invalidates. Customers' data lives in the
//! sessions store, which has no instance tier: a write shows on the next read whichever instance serves it.
//! Later pages are read from the store (they are read rarely, and a cursor names a moving position).

use cache::{HasTieredCache, StoreName, View, tags};
use proxy_core::domain::CustomerId;

/// The view of the first `limit` of a customer's orders.
pub(crate) fn orders_view(customer: &CustomerId, limit: usize) -> View {
    View::user_data(customer, format!("orders:{limit}"))
}

/// The view of a customer's wallet with its first `limit` transactions.
pub(crate) fn wallet_view(customer: &CustomerId, limit: usize) -> View {
    View::user_data(customer, format!("wallet:{limit}"))
}

/// After an order of the customer's was placed, cancelled, provisioned or disputed: their orders and wallet,
/// and the capacity (held, used and free slots), changed.
pub(crate) async fn order_changed(ctx: &impl HasTieredCache, customer: &CustomerId) {
    let changes =
        [(StoreName::Sessions, vec![tags::customer(customer)]), (StoreName::Default, vec![tags::INVENTORY.to_owned()])];
    ctx.tiered_cache().invalidate_each(&changes).await;
}

/// After a change of the customer's own data only: a credit to their wallet, an order moving to `processing`.
pub(crate) async fn customer_changed(ctx: &impl HasTieredCache, customer: &CustomerId) {
    ctx.tiered_cache().invalidate(StoreName::Sessions, &[tags::customer(customer)]).await;
}
