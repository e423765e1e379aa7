//! Failed jobs, for the operator: each failed attempt updates one item per job (first and last failure, the
//! last error, the attempt count); the last attempt also puts it in three sparse index partitions — all dead
//! jobs, by queue and by type, newest first — so the list never scans. Records expire after `KEEP`, longer
//! than SQS keeps a dead letter.

use super::{codec, keys, query_page};
use chrono::{DateTime, Duration, Utc};
use proxy_core::domain::{FailedJob, Priority};
use proxy_core::error::PortResult;
use proxy_core::ports::table::{
    Condition, Cursor, Index, ListScope, PK, Query, SK, Table, Update, UpdateAction, Value, number, string,
};
use std::sync::Arc;

/// How long a failure is kept: beyond SQS's 14-day maximum retention of the dead letter it describes.
pub const KEEP: Duration = Duration::days(30);
/// The longest error text kept (an item holds at most 400 KB; a stack of causes needs far less).
const ERROR_MAX_CHARS: usize = 2_000;

/// One failed attempt, as the worker saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure<'a> {
    pub job_id: &'a str,
    pub job_type: &'a str,
    pub queue: Option<Priority>,
    pub message_id: &'a str,
    pub error: &'a str,
    pub attempt: u32,
    pub payload: &'a serde_json::Value,
    /// This was the last attempt.
    pub dead: bool,
    pub at: DateTime<Utc>,
}

/// Which failed jobs to list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum FailedJobFilter {
    #[default]
    All,
    Queue(Priority),
    JobType(String),
}

impl FailedJobFilter {
    /// The index and partition holding the dead jobs this filter selects.
    pub fn partition(&self) -> (Index, String) {
        match self {
            FailedJobFilter::All => (Index::Gsi1, keys::ALL_FAILED_JOBS.to_owned()),
            FailedJobFilter::Queue(queue) => (Index::Gsi2, keys::failed_jobs_of_queue(*queue)),
            FailedJobFilter::JobType(job_type) => (Index::Gsi3, keys::failed_jobs_of_type(job_type)),
        }
    }

    /// Where the positions of this filter's list lie.
    pub fn list_scope(&self) -> ListScope {
        let (index, partition) = self.partition();
        let (pk, sk) = index.key_attributes();
        ListScope { keys: vec![PK, SK, pk, sk], partition: (pk, partition), sort_prefix: None }
    }
}

#[derive(Clone)]
pub struct FailedJobStore {
    table: Arc<dyn Table>,
}

impl FailedJobStore {
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self { table }
    }

    /// Records one failed attempt: one conditional-free upsert, whatever the attempt.
    pub async fn record(&self, failure: &Failure<'_>) -> PortResult<()> {
        let at = string(failure.at.to_rfc3339());
        let error: String = failure.error.chars().take(ERROR_MAX_CHARS).collect();
        let mut actions = vec![
            UpdateAction::Set("job_id".into(), string(failure.job_id)),
            UpdateAction::Set("job_type".into(), string(failure.job_type)),
            UpdateAction::Set("message_id".into(), string(failure.message_id)),
            UpdateAction::Set("error".into(), string(error)),
            UpdateAction::Set("attempts".into(), number(failure.attempt)),
            UpdateAction::Set("last_failed_at".into(), at.clone()),
            UpdateAction::SetIfMissing("first_failed_at".into(), at),
            UpdateAction::Set("payload".into(), codec::to_value(failure.payload)?),
            UpdateAction::Set("dead".into(), Value::Bool(failure.dead)),
            UpdateAction::Set(proxy_core::ports::table::TTL.into(), number((failure.at + KEEP).timestamp())),
        ];
        if let Some(queue) = failure.queue {
            actions.push(UpdateAction::Set("queue".into(), codec::to_value(&queue)?));
        }
        if failure.dead {
            let sort = string(format!("{}#{}", keys::sortable_time(failure.at), failure.job_id));
            actions.push(UpdateAction::Set("gsi1pk".into(), string(keys::ALL_FAILED_JOBS)));
            actions.push(UpdateAction::Set("gsi1sk".into(), sort.clone()));
            actions.push(UpdateAction::Set("gsi3pk".into(), string(keys::failed_jobs_of_type(failure.job_type))));
            actions.push(UpdateAction::Set("gsi3sk".into(), sort.clone()));
            if let Some(queue) = failure.queue {
                actions.push(UpdateAction::Set("gsi2pk".into(), string(keys::failed_jobs_of_queue(queue))));
                actions.push(UpdateAction::Set("gsi2sk".into(), sort));
            }
        }
        self.table.update(Update { key: keys::failed_job(failure.job_id), actions, condition: None }).await?;
        Ok(())
    }

    pub async fn get(&self, job_id: &str) -> PortResult<Option<FailedJob>> {
        self.table.get(&keys::failed_job(job_id)).await?.map(|i| codec::decode(i, &[])).transpose()
    }

    /// Jobs that failed their last attempt, newest first, a page at a time.
    pub async fn dead(
        &self,
        filter: &FailedJobFilter,
        limit: usize,
        after: Option<Cursor>,
    ) -> PortResult<(Vec<FailedJob>, Option<Cursor>)> {
        let (index, partition) = filter.partition();
        query_page(&*self.table, Query::new(index, partition).descending().limit(limit).start_after(after)).await
    }

    /// Removes a record; false when there was none.
    pub async fn delete(&self, job_id: &str) -> PortResult<bool> {
        match self.table.delete(&keys::failed_job(job_id), Some(Condition::Exists)).await {
            Ok(()) => Ok(true),
            Err(proxy_core::error::PortError::Conflict { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }
}
