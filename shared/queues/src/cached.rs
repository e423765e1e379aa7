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

/// The cache's warmers of the queues context (`cache::warmup`).
pub fn cache_warmers<C: QueuesEnv + Sync>() -> Vec<cache::Warmer<C>> {
    vec![cache::Warmer {
        name: "queue-overview",
        description: "Every queue's backlog, health, failed jobs and scaling (GET /admin/system/queue).",
        warm: warm_overview::<C>,
    }]
}

fn warm_overview<C: QueuesEnv + Sync>(ctx: &C) -> cache::WarmFuture<'_> {
    Box::pin(async move {
        let overview = cached_overview(ctx).await.map_err(|e| e.to_string())?;
        let queues = overview["stats"]["queues"].as_array().map_or(0, Vec::len);
        Ok(format!("figures of {queues} queues"))
    })
}
