//! Records past their retention that DynamoDB has not deleted yet. Every kept-for-a-while record carries a
//! `ttl`, and DynamoDB deletes expired items by itself — lazily, often a day or two late — while every read
//! already treats them as gone. The weekly clean-up deletes the expired ones of the lists it can reach by key
//! (never a Scan), so that retention is exact where it is listed, and says how many it removed. Feed entries,
//! idempotency keys and claims, spread over a partition each, are left to the TTL.

use super::keys;
use chrono::{DateTime, Utc};
use proxy_core::domain::Inbox;
use proxy_core::error::{PortError, PortResult};
use proxy_core::ports::table::{Condition, Index, Key, KeyRange, Query, TTL, Table, TransactOp};
use rust_decimal::Decimal;
use std::sync::Arc;

/// The most pages of 100 one list is read in one run (the rest waits for the next run, or the TTL).
const MAX_PAGES: usize = 20;
/// Deletes per transaction.
const CHUNK: usize = 25;

/// A list of records with a retention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retained {
    /// Resolved alerts (90 days after resolving).
    ResolvedAlerts,
    /// Dead jobs' failure records (30 days).
    FailedJobs,
    /// Scheduled tasks' archived runs: queue maintenance, autoscaling, inventory checks.
    TaskRuns,
    /// The admins' notifications and their read marks (90 days).
    AdminNotifications,
}

impl Retained {
    pub const ALL: [Retained; 4] =
        [Retained::ResolvedAlerts, Retained::FailedJobs, Retained::TaskRuns, Retained::AdminNotifications];

    /// Its name in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Retained::ResolvedAlerts => "resolved_alerts",
            Retained::FailedJobs => "failed_jobs",
            Retained::TaskRuns => "task_runs",
            Retained::AdminNotifications => "admin_notifications",
        }
    }

    fn lists(self) -> Vec<(Index, String, KeyRange)> {
        let runs = |partition: &str| (Index::Primary, partition.to_owned(), KeyRange::BeginsWith("RUN#".into()));
        match self {
            Retained::ResolvedAlerts => vec![(Index::Gsi1, keys::ALL_ALERTS.into(), KeyRange::All)],
            Retained::FailedJobs => vec![(Index::Gsi1, keys::ALL_FAILED_JOBS.into(), KeyRange::All)],
            Retained::TaskRuns => {
                vec![runs(keys::MAINTENANCE_RUNS), runs(keys::AUTOSCALE_RUNS), runs(keys::INVENTORY_CHECKS)]
            }
            Retained::AdminNotifications => {
                vec![(Index::Primary, keys::inbox_partition(&Inbox::Admins), KeyRange::All)]
            }
        }
    }
}

#[derive(Clone)]
pub struct RetentionStore {
    table: Arc<dyn Table>,
}

impl RetentionStore {
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self { table }
    }

    /// Deletes the expired records of `what` (as of `now`); how many. A record given a new life meanwhile (its
    /// `ttl` moved on) is kept.
    pub async fn sweep(&self, what: Retained, now: DateTime<Utc>) -> PortResult<u64> {
        let mut removed = 0;
        for (index, partition, range) in what.lists() {
            let mut cursor = None;
            for _ in 0..MAX_PAGES {
                let query = Query::new(index, partition.clone())
                    .range(range.clone())
                    .limit(100)
                    .start_after(cursor)
                    .expired_only();
                let page = self.table.query(query).await?;
                let expired: Vec<Key> = page.items.iter().filter_map(Key::of).collect();
                for chunk in expired.chunks(CHUNK) {
                    removed += self.delete_expired(chunk, now).await?;
                }
                match page.next {
                    Some(next) => cursor = Some(next),
                    None => break,
                }
            }
        }
        Ok(removed)
    }

    /// Deletes these records if they are still expired: one transaction, or one by one when one of them was
    /// given a new life meanwhile.
    async fn delete_expired(&self, keys: &[Key], now: DateTime<Utc>) -> PortResult<u64> {
        let still_expired = || Some(Condition::AtMost(TTL.into(), Decimal::from(now.timestamp())));
        let ops = keys.iter().map(|key| TransactOp::Delete { key: key.clone(), condition: still_expired() }).collect();
        match self.table.transact(ops).await {
            Ok(()) => Ok(keys.len() as u64),
            Err(PortError::Conflict { .. }) => {
                let mut removed = 0;
                for key in keys {
                    match self.table.delete(key, still_expired()).await {
                        Ok(()) => removed += 1,
                        Err(PortError::Conflict { .. }) => {}
                        Err(error) => return Err(error),
                    }
                }
                Ok(removed)
            }
            Err(error) => Err(error),
        }
    }
}
