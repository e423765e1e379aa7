//! The inventory overview in the cache of views, and what drops it: every change of capacity (orders drop it
//! through `orders`), of a server's status, and each inventory check (new forecast, bands, last check).

use crate::{InventoryEnv, InventorySettings};
use cache::{HasTieredCache, StoreName, View, tags};
use proxy_core::error::PortError;

/// `GET /admin/inventory`, read by dashboards; kept a minute at most, as holds expire by time.
pub fn overview_view() -> View {
    View::server_data("inventory:overview")
        .tagged(tags::INVENTORY)
        .tagged(tags::CATALOG)
        .ttl(std::time::Duration::from_secs(60))
}

/// The overview through the cache of views, as the JSON the endpoint answers.
pub async fn cached_overview(
    ctx: &impl InventoryEnv,
    settings: &InventorySettings,
) -> Result<serde_json::Value, PortError> {
    ctx.tiered_cache().get_or_load_json(&overview_view(), || crate::overview(ctx, settings)).await
}

/// After a write that changed capacity or a server.
pub(crate) async fn inventory_changed(ctx: &impl HasTieredCache) {
    ctx.tiered_cache().invalidate(StoreName::Default, &[tags::INVENTORY.to_owned()]).await;
}
