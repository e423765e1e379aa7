//! The archive of queue runs, one item per run, newest first: maintenance (daily, kept 90 days) and worker
//! autoscaling (every 5 minutes, kept 14 days).

use super::{codec, keys};
use crate::error::PortResult;
use crate::ports::table::{Condition, Index, KeyRange, Query, TTL, Table, number};
use crate::services::queues::{AutoscaleRun, MaintenanceReport};
use chrono::Duration;
use std::sync::Arc;

const KEEP: Duration = Duration::days(90);
const KEEP_AUTOSCALE: Duration = Duration::days(14);

#[derive(Clone)]
pub struct QueueRunStore {
    table: Arc<dyn Table>,
}

impl QueueRunStore {
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self { table }
    }

    pub async fn archive(&self, report: &MaintenanceReport) -> PortResult<()> {
        let mut item = codec::encode(report, &[])?;
        item.extend(keys::maintenance_run(report.ran_at).to_item());
        item.insert(TTL.into(), number((report.ran_at + KEEP).timestamp()));
        self.table.put(item, Some(Condition::NotExists)).await
    }

    /// The latest runs, newest first.
    pub async fn recent(&self, limit: usize) -> PortResult<Vec<MaintenanceReport>> {
        let query = Query::new(Index::Primary, keys::MAINTENANCE_RUNS)
            .range(KeyRange::BeginsWith("RUN#".into()))
            .descending()
            .limit(limit);
        super::query_page(&*self.table, query).await.map(|(runs, _)| runs)
    }

    pub async fn archive_autoscale(&self, run: &AutoscaleRun) -> PortResult<()> {
        let mut item = codec::encode(run, &[])?;
        item.extend(keys::autoscale_run(run.ran_at).to_item());
        item.insert(TTL.into(), number((run.ran_at + KEEP_AUTOSCALE).timestamp()));
        self.table.put(item, Some(Condition::NotExists)).await
    }

    /// The latest autoscale runs, newest first.
    pub async fn recent_autoscale(&self, limit: usize) -> PortResult<Vec<AutoscaleRun>> {
        let query = Query::new(Index::Primary, keys::AUTOSCALE_RUNS)
            .range(KeyRange::BeginsWith("RUN#".into()))
            .descending()
            .limit(limit);
        super::query_page(&*self.table, query).await.map(|(runs, _)| runs)
    }
}
