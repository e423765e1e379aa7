//! The archive of queue runs, one item per run, newest first: maintenance (daily, kept 90 days) and worker
//! autoscaling (every 5 minutes, kept 14 days).

use super::{codec, keys};
use crate::error::PortResult;
use crate::ports::table::{Condition, Index, Key, KeyRange, Query, TTL, Table, number};
use crate::services::queues::{AutoscaleRun, MaintenanceReport};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
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
        self.archive_run(report, keys::maintenance_run(report.ran_at), report.ran_at + KEEP).await
    }

    /// The latest runs, newest first.
    pub async fn recent(&self, limit: usize) -> PortResult<Vec<MaintenanceReport>> {
        self.recent_runs(keys::MAINTENANCE_RUNS, limit).await
    }

    pub async fn archive_autoscale(&self, run: &AutoscaleRun) -> PortResult<()> {
        self.archive_run(run, keys::autoscale_run(run.ran_at), run.ran_at + KEEP_AUTOSCALE).await
    }

    /// The latest autoscale runs, newest first.
    pub async fn recent_autoscale(&self, limit: usize) -> PortResult<Vec<AutoscaleRun>> {
        self.recent_runs(keys::AUTOSCALE_RUNS, limit).await
    }

    async fn archive_run<T: Serialize>(&self, run: &T, key: Key, expires: DateTime<Utc>) -> PortResult<()> {
        let mut item = codec::encode(run, &[])?;
        item.extend(key.to_item());
        item.insert(TTL.into(), number(expires.timestamp()));
        self.table.put(item, Some(Condition::NotExists)).await
    }

    async fn recent_runs<T: DeserializeOwned>(&self, partition: &str, limit: usize) -> PortResult<Vec<T>> {
        let query =
            Query::new(Index::Primary, partition).range(KeyRange::BeginsWith("RUN#".into())).descending().limit(limit);
        super::query_page(&*self.table, query).await.map(|(runs, _)| runs)
    }
}
