//! The inventory overview in the cache of views, and what drops it: every change of capacity (orders drop it
//! through `orders`), of a server's status, and each inventory check (new forecast, bands, last check).

use crate::{InventoryEnv, InventorySettings};
use cache::{HasTieredCache, StoreName, View, tags};
use proxy_core::error::PortError;

/// `GET /admin/inventory`, read by dashboards; kept a minute at most, as holds expire by time.
pub fn overview_view() -> View {
    View::server_data("inventory:overview").tagged(tags::INVENTORY).ttl(std::time::Duration::from_secs(60))
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

/// The cache's warmers of the inventory context (`cache::warmup`).
pub fn cache_warmers<C: InventoryEnv + Sync>() -> Vec<cache::Warmer<C>> {
    vec![cache::Warmer {
        name: "inventory-overview",
        description: "Capacity by server and location, bands, alerts and the forecast (GET /admin/inventory).",
        warm: warm_overview::<C>,
    }]
}

fn warm_overview<C: InventoryEnv + Sync>(ctx: &C) -> cache::WarmFuture<'_> {
    Box::pin(async move {
        let overview = cached_overview(ctx, &InventorySettings::default()).await.map_err(|e| e.to_string())?;
        let servers = overview["capacity"]["servers"].as_array().map_or(0, Vec::len);
        Ok(format!("capacity of {servers} servers"))
    })
}
