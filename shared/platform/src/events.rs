//! Publishing domain events (to the `notifications` queue) and order facts (to the `analytics` queue).
//! Publishing never fails the state change it reports: that change is already committed, so a failed send
//! is logged loudly instead.

use crate::deps::HasStores;
use crate::jobs::{JobError, JobHandler, JobRegistry, RunOnce, dispatch_as, payload};
use proxy_core::domain::{DomainEvent, Job, JobId, OrderFact, Priority};
use proxy_core::error::PortError;

crate::env!(
    /// What publishing events and facts needs: the clock and the queues.
    EventsEnv: crate::deps::HasClock, crate::deps::HasQueue
);

pub const EVENT_JOB: &str = "event.publish";
pub const ORDER_FACT_JOB: &str = "analytics.order_placed";
pub const ORDER_CANCELLED_JOB: &str = "analytics.order_cancelled";

pub async fn publish(ctx: &impl EventsEnv, event: DomainEvent) {
    publish_as(ctx, JobId::generate(), event).await
}

/// `publish` under a job id derived from `key` (what happened, e.g. `order:<id>:placed`): sent twice — because
/// it is unknown whether the first send happened — it is still recorded once: the feed entry is put under the
/// job id, if absent.
pub async fn publish_once(ctx: &impl EventsEnv, key: &str, event: DomainEvent) {
    publish_as(ctx, JobId(format!("event:{key}")), event).await
}

/// `publish_once` that says whether the event was sent, for a caller that records having sent it (and must not
/// when it was not).
pub async fn try_publish_once(ctx: &impl EventsEnv, key: &str, event: DomainEvent) -> Result<(), PortError> {
    let id = JobId(format!("event:{key}"));
    dispatch_as(ctx.queue(), ctx.clock(), id, EVENT_JOB, &event, Priority::Notifications).await.map(|_| ())
}

async fn publish_as(ctx: &impl EventsEnv, id: JobId, event: DomainEvent) {
    let name = event.name();
    if let Err(error) = dispatch_as(ctx.queue(), ctx.clock(), id, EVENT_JOB, &event, Priority::Notifications).await {
        tracing::error!(event = name, %error, "event not published");
    }
}

/// Sends the analytics fact of an order, once per order however often it is sent.
pub async fn record_fact(ctx: &impl EventsEnv, fact: &OrderFact) {
    send_fact(ctx, fact, ORDER_FACT_JOB, format!("fact:order:{}", fact.order_id)).await
}

/// Sends the fact that a counted order was cancelled (same payload as the order's fact), once per order.
pub async fn record_cancellation(ctx: &impl EventsEnv, fact: &OrderFact) {
    send_fact(ctx, fact, ORDER_CANCELLED_JOB, format!("fact:order:{}:cancelled", fact.order_id)).await
}

async fn send_fact(ctx: &impl EventsEnv, fact: &OrderFact, job_type: &str, id: String) {
    if let Err(error) = dispatch_as(ctx.queue(), ctx.clock(), JobId(id), job_type, fact, Priority::Analytics).await {
        tracing::error!(order_id = %fact.order_id, %error, "order fact not sent");
    }
}

/// Registers the jobs that record what `publish` and `record_fact` send.
pub fn register_jobs<C: HasStores + Sync + 'static>(registry: &mut JobRegistry<C>) {
    registry.register(EVENT_JOB, RecordEvent);
    registry.register(ORDER_FACT_JOB, CountOrder);
    registry.register(ORDER_CANCELLED_JOB, UncountOrder);
}

/// `event.publish`: a domain event, recorded in its customer's feed (which the real-time service pushes).
struct RecordEvent;

#[async_trait::async_trait]
impl<C: HasStores + Sync> JobHandler<C> for RecordEvent {
    /// One write, once: the feed entry is put under the job id, once (`FeedStore::record`).
    fn run_once(&self) -> RunOnce {
        RunOnce::ByItsEffect
    }

    async fn handle(&self, ctx: &C, job: &Job, _attempt: u32) -> Result<(), JobError> {
        let event: DomainEvent = payload(job)?;
        ctx.stores().feed.record(job.id.as_str(), &event).await?;
        tracing::info!(event = event.name(), channels = ?event.channels(), "event recorded");
        Ok(())
    }
}

/// `analytics.order_placed`: an order fact, added once to the daily sales counters.
struct CountOrder;

#[async_trait::async_trait]
impl<C: HasStores + Sync> JobHandler<C> for CountOrder {
    /// One write, once: the counters move in one transaction with the order's counted-once guard.
    fn run_once(&self) -> RunOnce {
        RunOnce::ByItsEffect
    }

    async fn handle(&self, ctx: &C, job: &Job, _attempt: u32) -> Result<(), JobError> {
        let fact: OrderFact = payload(job)?;
        ctx.stores().stats.record_order(&fact).await?;
        Ok(())
    }
}

/// `analytics.order_cancelled`: a cancelled order's fact, taken back out of the daily sales counters once
/// it has been counted (a conflict until then: the message is retried).
struct UncountOrder;

#[async_trait::async_trait]
impl<C: HasStores + Sync> JobHandler<C> for UncountOrder {
    /// One write, once: the counters move in one transaction with the order's withdrawn-once guard.
    fn run_once(&self) -> RunOnce {
        RunOnce::ByItsEffect
    }

    async fn handle(&self, ctx: &C, job: &Job, _attempt: u32) -> Result<(), JobError> {
        let fact: OrderFact = payload(job)?;
        ctx.stores().stats.withdraw_order(&fact).await?;
        Ok(())
    }
}
