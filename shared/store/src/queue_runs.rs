//! The archive of queue runs, one item per run, newest first: maintenance (daily, kept 90 days) and worker
//! autoscaling (every 5 minutes, kept 14 days).

use super::{RunReport, keys};
use chrono::Duration;
use proxy_core::error::PortResult;
use proxy_core::ports::table::Table;
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

    pub async fn archive(&self, report: &impl RunReport) -> PortResult<()> {
        let ran_at = report.ran_at();
        super::archive_run(&*self.table, report, keys::maintenance_run(ran_at), ran_at + KEEP).await
    }

    /// The latest runs, newest first.
    pub async fn recent<R: RunReport>(&self, limit: usize) -> PortResult<Vec<R>> {
        super::recent_runs(&*self.table, keys::MAINTENANCE_RUNS, limit).await
    }

    pub async fn archive_autoscale(&self, run: &impl RunReport) -> PortResult<()> {
        let ran_at = run.ran_at();
        super::archive_run(&*self.table, run, keys::autoscale_run(ran_at), ran_at + KEEP_AUTOSCALE).await
    }

    /// The latest autoscale runs, newest first.
    pub async fn recent_autoscale<R: RunReport>(&self, limit: usize) -> PortResult<Vec<R>> {
        super::recent_runs(&*self.table, keys::AUTOSCALE_RUNS, limit).await
    }
}
