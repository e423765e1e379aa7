//! The archive of queue-maintenance runs: one item per run, newest first, kept for 90 days.

use super::{codec, keys};
use crate::error::PortResult;
use crate::ports::table::{Condition, Index, KeyRange, Query, TTL, Table, number};
use crate::services::queues::MaintenanceReport;
use chrono::Duration;
use std::sync::Arc;

const KEEP: Duration = Duration::days(90);

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
}
