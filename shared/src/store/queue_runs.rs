//! The archive of queue runs, one item per run, newest first: maintenance (daily, kept 90 days) and worker
//! autoscaling (every 5 minutes, kept 14 days).

use super::keys;
use crate::error::PortResult;
use crate::ports::table::Table;
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
        super::archive_run(&*self.table, report, keys::maintenance_run(report.ran_at), report.ran_at + KEEP).await
    }

    /// The latest runs, newest first.
    pub async fn recent(&self, limit: usize) -> PortResult<Vec<MaintenanceReport>> {
        super::recent_runs(&*self.table, keys::MAINTENANCE_RUNS, limit).await
    }

    pub async fn archive_autoscale(&self, run: &AutoscaleRun) -> PortResult<()> {
        super::archive_run(&*self.table, run, keys::autoscale_run(run.ran_at), run.ran_at + KEEP_AUTOSCALE).await
    }

    /// The latest autoscale runs, newest first.
    pub async fn recent_autoscale(&self, limit: usize) -> PortResult<Vec<AutoscaleRun>> {
        super::recent_runs(&*self.table, keys::AUTOSCALE_RUNS, limit).await
    }
}
