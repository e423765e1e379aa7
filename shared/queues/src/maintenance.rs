//! `maintenance(clear_failed_days)` (the original's `queue:maintenance --clear-failed=N`): deletes the dead
//! letters older than N days from every dead-letter queue, with their failed-job records, keeps the others
//! (visible again at once) and archives a summary of what it deleted. A job's age runs from when it was
//! dispatched (its envelope, on the injected clock); a body that is not a job is aged by SQS's send time.

use super::QueuesEnv;
use super::{LOOK_VISIBILITY, LOOK_WAIT, job_of};
use chrono::{DateTime, Duration, Utc};
use proxy_core::domain::Priority;
use proxy_core::error::PortError;
use proxy_core::ports::QueueRef;
use serde::{Deserialize, Serialize};

/// The most dead letters one run looks at per queue: a bound on its running time. What is left is looked at
/// by the next run.
const MAX_LOOKED_AT: usize = 5_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletedMessage {
    pub message_id: String,
    pub job_id: Option<String>,
    pub job_type: Option<String>,
    pub age_days: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueMaintenance {
    pub queue: Priority,
    pub deleted: Vec<DeletedMessage>,
    /// Dead letters younger than the cutoff, left in place.
    pub kept: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaintenanceReport {
    pub ran_at: DateTime<Utc>,
    pub clear_failed_days: u32,
    pub cutoff: DateTime<Utc>,
    pub queues: Vec<QueueMaintenance>,
}

impl store::RunReport for MaintenanceReport {
    fn ran_at(&self) -> DateTime<Utc> {
        self.ran_at
    }
}

impl MaintenanceReport {
    pub fn deleted(&self) -> usize {
        self.queues.iter().map(|q| q.deleted.len()).sum()
    }
}

pub async fn maintenance(ctx: &impl QueuesEnv, clear_failed_days: u32) -> Result<MaintenanceReport, PortError> {
    let now = ctx.clock().now();
    let cutoff = now - Duration::days(i64::from(clear_failed_days));
    let mut report = MaintenanceReport { ran_at: now, clear_failed_days, cutoff, queues: Vec::new() };
    for queue in Priority::ALL {
        report.queues.push(clear_queue(ctx, queue, cutoff, now).await?);
    }
    ctx.stores().queue_runs.archive(&report).await?;
    tracing::info!(clear_failed_days, deleted = report.deleted(), "queue maintenance done");
    crate::cached::queues_changed(ctx).await;
    Ok(report)
}

async fn clear_queue(
    ctx: &impl QueuesEnv,
    queue: Priority,
    cutoff: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<QueueMaintenance, PortError> {
    let dead = QueueRef::DeadLetter(queue);
    let mut result = QueueMaintenance { queue, deleted: Vec::new(), kept: 0 };
    // Kept messages stay hidden until the end of the run, so each is looked at once; then they are released.
    let mut kept_receipts = Vec::new();
    let mut looked_at = 0;
    while looked_at < MAX_LOOKED_AT {
        let batch = ctx.queue().receive(dead, 10, LOOK_WAIT, LOOK_VISIBILITY).await?;
        if batch.is_empty() {
            break;
        }
        looked_at += batch.len();
        for message in batch {
            let job = job_of(&message.body);
            let born = job.as_ref().map(|j| j.dispatched_at).unwrap_or(message.sent_at);
            if born >= cutoff {
                kept_receipts.push(message.receipt_handle);
                continue;
            }
            ctx.queue().delete(dead, &message.receipt_handle).await?;
            if let Some(job) = &job {
                ctx.stores().failed_jobs.delete(job.id.as_str()).await?;
            }
            result.deleted.push(DeletedMessage {
                message_id: message.message_id,
                job_id: job.as_ref().map(|j| j.id.to_string()),
                job_type: job.map(|j| j.job_type),
                age_days: (now - born).num_days(),
            });
        }
    }
    result.kept = kept_receipts.len() as u32;
    for receipt in kept_receipts {
        ctx.queue().release(dead, &receipt, std::time::Duration::ZERO).await?;
    }
    Ok(result)
}
