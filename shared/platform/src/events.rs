//! Publishing domain events (to the `notifications` queue) and order facts (to the `analytics` queue).
//! Publishing never fails the state change it reports: that change is already committed, so a failed send
//! is logged loudly instead.

use crate::deps::HasStores;
use crate::jobs::dispatch_as;
use proxy_core::domain::{CustomerFact, DepositFact, DomainEvent, JobId, OrderFact, Priority};
use proxy_core::error::PortError;

crate::env!(
    /// What publishing events and facts needs: the clock and the queues.
    EventsEnv: crate::deps::HasClock, crate::deps::HasQueue
);

pub const EVENT_JOB: &str = "event.publish";
pub const ORDER_FACT_JOB: &str = "analytics.order_placed";
pub const ORDER_CANCELLED_JOB: &str = "analytics.order_cancelled";
pub const CUSTOMER_FACT_JOB: &str = "analytics.customer_created";
pub const DEPOSIT_FACT_JOB: &str = "analytics.wallet_deposit";

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

/// Sends the fact that a customer signed up, once per customer.
pub async fn record_sign_up(ctx: &impl EventsEnv, fact: &CustomerFact) {
    send_fact(ctx, fact, CUSTOMER_FACT_JOB, format!("fact:customer:{}", fact.customer_id)).await
}

/// Sends the fact of a wallet deposit, once per wallet transaction.
pub async fn record_deposit(ctx: &impl EventsEnv, fact: &DepositFact) {
    send_fact(ctx, fact, DEPOSIT_FACT_JOB, format!("fact:deposit:{}", fact.transaction_id)).await
}

async fn send_fact<T: serde::Serialize>(ctx: &impl EventsEnv, fact: &T, job_type: &str, id: String) {
    if let Err(error) =
        dispatch_as(ctx.queue(), ctx.clock(), JobId(id.clone()), job_type, fact, Priority::Analytics).await
    {
        tracing::error!(fact = id, %error, "analytics fact not sent");
    }
}

/// Records `event` in its customer's feed (or the admins') under `event_id`, once: the `event.publish` job's
/// record, which the real-time context's consumer of that job writes before it pushes the event.
pub async fn record(ctx: &impl HasStores, event_id: &str, event: &DomainEvent) -> Result<(), PortError> {
    ctx.stores().feed.record(event_id, event).await?;
    tracing::info!(event = event.name(), channels = ?event.channels(), "event recorded");
    Ok(())
}
