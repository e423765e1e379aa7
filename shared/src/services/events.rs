//! Publishing domain events (to the `notifications` queue) and order facts (to the `analytics` queue).
//! Publishing never fails the state change it reports: that change is already committed, so a failed send
//! is logged loudly instead.

use crate::app::AppContext;
use crate::domain::{DomainEvent, OrderFact, Priority};
use crate::worker::dispatch;

pub const EVENT_JOB: &str = "event.publish";
pub const ORDER_FACT_JOB: &str = "analytics.order_placed";

pub async fn publish(ctx: &AppContext, event: DomainEvent) {
    let name = event.name();
    let payload = match serde_json::to_value(&event) {
        Ok(payload) => payload,
        Err(error) => return tracing::error!(event = name, %error, "event not serialisable"),
    };
    if let Err(error) = dispatch(&*ctx.queue, &*ctx.clock, EVENT_JOB, payload, Priority::Notifications).await {
        tracing::error!(event = name, %error, "event not published");
    }
}

pub async fn record_fact(ctx: &AppContext, fact: &OrderFact) {
    let payload = match serde_json::to_value(fact) {
        Ok(payload) => payload,
        Err(error) => return tracing::error!(%error, "order fact not serialisable"),
    };
    if let Err(error) = dispatch(&*ctx.queue, &*ctx.clock, ORDER_FACT_JOB, payload, Priority::Analytics).await {
        tracing::error!(order_id = %fact.order_id, %error, "order fact not sent");
    }
}
