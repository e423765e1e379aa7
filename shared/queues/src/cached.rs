//! The queue overview in the cache of views. Backlogs move with traffic, not with our writes, so it is kept
//! five seconds (a dashboard refreshes every five); what operators do to the queues drops it at once.

use crate::QueuesEnv;
use cache::{HasTieredCache, StoreName, View, tags};
use proxy_core::error::PortError;

/// `GET /admin/queues`.
pub fn overview_view() -> View {
    View::server_data("queues:overview").tagged(tags::QUEUES).ttl(std::time::Duration::from_secs(5))
}

/// The overview through the cache of views, as the JSON the endpoint answers.
pub async fn cached_overview(ctx: &impl QueuesEnv) -> Result<serde_json::Value, PortError> {
    ctx.tiered_cache().get_or_load_json(&overview_view(), || crate::queue_overview(ctx)).await
}

/// After a retry, a deleted failed job, maintenance or a change of the workers' limits.
pub(crate) async fn queues_changed(ctx: &impl HasTieredCache) {
    ctx.tiered_cache().invalidate(StoreName::Default, &[tags::QUEUES.to_owned()]).await;
}
