//! Broadcasting what happened to the channels of those it concerns: a domain event to its customer's private
//! channel (or the admins'), a notification to its inbox's owner. Delivery is at least once — the job that
//! broadcasts may run again — so every payload carries the id it was sent under, for clients to drop a repeat.

use crate::channels::Channel;
use crate::delivery::{self, FanOut};
use crate::deps::RealtimeEnv;
use crate::protocol::{MAX_MESSAGE_BYTES, ServerFrame};
use proxy_core::domain::{Audience, DomainEvent, Inbox, Notification};
use proxy_core::error::PortError;
use serde_json::Value;

/// The event name Laravel broadcasts a notification under, which Echo's `.notification(...)` listens for.
pub const NOTIFICATION_EVENT: &str = "Illuminate\\Notifications\\Events\\BroadcastNotificationCreated";

#[derive(Debug, thiserror::Error)]
pub enum BroadcastError {
    /// The frame would exceed what API Gateway posts in one message: refused before anything is sent.
    #[error("{event} is {bytes} bytes as a frame, over the {MAX_MESSAGE_BYTES}-byte limit")]
    TooLarge { event: String, bytes: usize },
    #[error(transparent)]
    Backend(#[from] PortError),
}

/// The channel of whom an event is for.
pub fn channel_of(audience: Audience<'_>) -> Channel {
    match audience {
        Audience::Customer(customer) => Channel::Customer(customer.to_string()),
        Audience::Admins => Channel::Admin,
    }
}

/// The channel of an inbox's owner.
pub fn inbox_channel(inbox: &Inbox) -> Channel {
    match inbox {
        Inbox::Customer(customer) => Channel::Customer(customer.to_string()),
        Inbox::Admins => Channel::Admin,
    }
}

/// The Pusher event name of a domain event: the name Laravel gives a broadcast event class by default, so
/// that Echo's `.listen('OrderStatusChanged', ...)` receives it unchanged.
pub fn event_name(event: &DomainEvent) -> &'static str {
    match event {
        DomainEvent::OrderStatusChanged { .. } => "App\\Events\\OrderStatusChanged",
        DomainEvent::ClientStatusChanged { .. } => "App\\Events\\ClientStatusChanged",
        DomainEvent::ClientExpiring { .. } => "App\\Events\\ClientExpiring",
        DomainEvent::WalletBalanceChanged { .. } => "App\\Events\\WalletBalanceChanged",
        DomainEvent::SystemAlert { .. } => "App\\Events\\SystemAlert",
    }
}

/// The frame of `event`, sent as `event_id`, and the channel it goes to.
pub fn event_frame(event_id: &str, event: &DomainEvent) -> Result<(Channel, String), BroadcastError> {
    let channel = channel_of(event.audience());
    let mut data = serde_json::to_value(event).unwrap_or(Value::Null);
    data["id"] = Value::String(event_id.to_owned());
    frame(channel, event_name(event), data)
}

/// The frame of `notification` for `inbox`, in the shape Laravel broadcasts a notification.
pub fn notification_frame(inbox: &Inbox, notification: &Notification) -> Result<(Channel, String), BroadcastError> {
    let mut data = serde_json::to_value(notification).unwrap_or(Value::Null);
    data["type"] = Value::String(notification.kind.clone());
    frame(inbox_channel(inbox), NOTIFICATION_EVENT, data)
}

pub(crate) fn frame(channel: Channel, event: &str, data: Value) -> Result<(Channel, String), BroadcastError> {
    let text = ServerFrame::Event { event: event.to_owned(), channel: channel.name(), data, user_id: None }.to_text();
    if text.len() > MAX_MESSAGE_BYTES {
        return Err(BroadcastError::TooLarge { event: event.to_owned(), bytes: text.len() });
    }
    Ok((channel, text))
}

/// Posts `frame` to every connection on `channel` (one query of the registry, then the posts); the ones found
/// gone are forgotten.
pub async fn to_channel(ctx: &impl RealtimeEnv, channel: &Channel, frame: &str) -> Result<FanOut, BroadcastError> {
    let subscribers = ctx.stores().connections.subscribers(&channel.name()).await?;
    let ids = subscribers.into_iter().map(|s| s.connection_id).collect();
    let fan_out = delivery::post_all(ctx.connections(), ids, frame).await;
    crate::socket::forget_gone(ctx, &fan_out).await;
    Ok(fan_out)
}

/// A pushed frame and its data, decoded as a client reads them (for the tests).
#[cfg(test)]
pub(crate) fn decode(frame: &str) -> (Value, Value) {
    let outer: Value = serde_json::from_str(frame).unwrap();
    let data = serde_json::from_str(outer["data"].as_str().unwrap()).unwrap();
    (outer, data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proxy_core::domain::{AlertSeverity, CustomerId, NotificationId, OrderId, OrderStatus};

    #[test]
    fn an_event_goes_to_its_customers_channel_under_laravels_name_with_its_id() {
        let at = chrono::Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap();
        let event = DomainEvent::OrderStatusChanged {
            order_id: OrderId("o-1".into()),
            customer_id: CustomerId("c-1".into()),
            old_status: None,
            new_status: OrderStatus::New,
            timestamp: at,
        };
        let (channel, frame) = event_frame("event:o-1:placed", &event).unwrap();
        assert_eq!(channel, Channel::Customer("c-1".into()));
        let (outer, data) = decode(&frame);
        assert_eq!(outer["event"], "App\\Events\\OrderStatusChanged");
        assert_eq!(outer["channel"], "private-customer.c-1");
        assert_eq!((data["id"].as_str(), data["order_id"].as_str()), (Some("event:o-1:placed"), Some("o-1")));
    }

    #[test]
    fn a_notification_goes_to_its_inbox_owner_as_laravel_broadcasts_one_and_an_oversized_one_is_refused() {
        let at = chrono::Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap();
        let mut notification = Notification {
            id: NotificationId::of(at, "alert:1:opened"),
            kind: "system_alert".into(),
            severity: AlertSeverity::Warning,
            title: "Queue backlog".into(),
            body: "High has 140 waiting jobs.".into(),
            about: None,
            created_at: at,
        };
        let (channel, frame) = notification_frame(&Inbox::Admins, &notification).unwrap();
        assert_eq!(channel, Channel::Admin);
        let (outer, data) = decode(&frame);
        assert_eq!(outer["event"], NOTIFICATION_EVENT);
        assert_eq!((data["type"].as_str(), data["title"].as_str()), (Some("system_alert"), Some("Queue backlog")));
        notification.body = "x".repeat(MAX_MESSAGE_BYTES);
        let refused = notification_frame(&Inbox::Customer(CustomerId("c-1".into())), &notification);
        assert!(matches!(refused, Err(BroadcastError::TooLarge { .. })), "{refused:?}");
    }
}
