//! Processed-job records: how a redelivered message does its work once.
//!
//! A worker *claims* a job id before working (conditional put with a lease and an owner token), marks it *done*
//! after, and *releases* it on failure so a retry can run — both only while the claim is still its own. A claim
//! whose lease ran out (the worker crashed or timed out) can be taken over by the next delivery; a done record
//! is kept for `keep` (TTL) and turns every later delivery into a no-op.

use super::keys;
use chrono::{DateTime, Utc};
use proxy_core::error::{PortError, PortResult};
use proxy_core::ports::table::{Condition, Table, Update, UpdateAction, Value, number, string};
use rust_decimal::Decimal;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This worker owns the job now, under this owner token.
    Acquired(ClaimOwner),
    /// The job finished before: skip it.
    AlreadyDone,
    /// Another worker holds a live lease on it: leave the message for later.
    Busy,
}

/// Who holds a claim: a token drawn at each claim, which completing or releasing it must show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimOwner(pub String);

const IN_PROGRESS: &str = "in_progress";
const DONE: &str = "done";

#[derive(Clone)]
pub struct JobClaimStore {
    table: Arc<dyn Table>,
}

fn epoch_after(now: DateTime<Utc>, after: Duration) -> i64 {
    now.timestamp() + i64::try_from(after.as_secs()).unwrap_or(i64::MAX / 2)
}

impl JobClaimStore {
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self { table }
    }

    pub async fn claim(&self, job_id: &str, now: DateTime<Utc>, lease: Duration, keep: Duration) -> PortResult<Claim> {
        let key = keys::processed_job(job_id);
        let mut item = key.to_item();
        let owner = ClaimOwner(uuid::Uuid::new_v4().to_string());
        item.insert("status".into(), string(IN_PROGRESS));
        item.insert("owner".into(), string(&owner.0));
        item.insert("lease_until".into(), number(epoch_after(now, lease)));
        item.insert("ttl".into(), number(epoch_after(now, keep)));
        let takeover = Condition::And(vec![
            Condition::AttributeEquals("status".into(), string(IN_PROGRESS)),
            Condition::LessThan("lease_until".into(), Decimal::from(now.timestamp() + 1)),
        ]);
        match self.table.put(item, Some(Condition::Or(vec![Condition::NotExists, takeover]))).await {
            Ok(()) => Ok(Claim::Acquired(owner)),
            Err(PortError::Conflict { .. }) => {
                let existing = self.table.get(&key).await?;
                let done = existing.and_then(|i| i.get("status").cloned()) == Some(Value::S(DONE.into()));
                Ok(if done { Claim::AlreadyDone } else { Claim::Busy })
            }
            Err(e) => Err(e),
        }
    }

    /// Marks the job done. A conflict: the claim is no longer `owner`'s (its lease ran out and another delivery
    /// took it over), so that delivery's outcome stands.
    pub async fn complete(
        &self,
        job_id: &str,
        owner: &ClaimOwner,
        now: DateTime<Utc>,
        keep: Duration,
    ) -> PortResult<()> {
        self.table
            .update(Update {
                key: keys::processed_job(job_id),
                actions: vec![
                    UpdateAction::Set("status".into(), string(DONE)),
                    UpdateAction::Set("ttl".into(), number(epoch_after(now, keep))),
                    UpdateAction::Remove("lease_until".into()),
                    UpdateAction::Remove("owner".into()),
                ],
                condition: Some(Condition::AttributeEquals("owner".into(), string(&owner.0))),
            })
            .await
            .map(|_| ())
    }

    /// Gives up `owner`'s claim after a failed attempt, so the next delivery runs the job again; a claim taken
    /// over meanwhile is left to its new owner.
    pub async fn release(&self, job_id: &str, owner: &ClaimOwner) -> PortResult<()> {
        let condition = Condition::And(vec![
            Condition::AttributeEquals("status".into(), string(IN_PROGRESS)),
            Condition::AttributeEquals("owner".into(), string(&owner.0)),
        ]);
        match self.table.delete(&keys::processed_job(job_id), Some(condition)).await {
            Ok(()) | Err(PortError::Conflict { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }
}
