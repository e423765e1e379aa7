//! Domain events: every state change a customer or a dashboard may care about, defined once. They travel on
//! the `notifications` queue (to the customer's feed, or the admins' for system alerts, and, later, WebSocket
//! push) with the original's payloads and channels (`customer.{id}`, `order.{id}`, `admin`).

use super::{
    AlertChange, AlertId, AlertSeverity, ClientId, CustomerId, Money, OrderId, OrderStatus, ServerId, TransactionId,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientStatus {
    Active,
    Inactive,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event")]
pub enum DomainEvent {
    #[serde(rename = "order.status.changed")]
    OrderStatusChanged {
        order_id: OrderId,
        customer_id: CustomerId,
        /// None for a new order.
        old_status: Option<OrderStatus>,
        new_status: OrderStatus,
        timestamp: DateTime<Utc>,
    },
    #[serde(rename = "client.status.changed")]
    ClientStatusChanged {
        client_id: ClientId,
        customer_id: CustomerId,
        server_id: ServerId,
        order_id: OrderId,
        /// None for a new client.
        old_status: Option<ClientStatus>,
        new_status: ClientStatus,
        timestamp: DateTime<Utc>,
    },
    /// A client's subscription ends soon: the customer may renew before it is disabled.
    #[serde(rename = "client.expiring")]
    ClientExpiring {
        client_id: ClientId,
        customer_id: CustomerId,
        server_id: ServerId,
        order_id: OrderId,
        expires_at: DateTime<Utc>,
        timestamp: DateTime<Utc>,
    },
    #[serde(rename = "wallet.balance.changed")]
    WalletBalanceChanged {
        customer_id: CustomerId,
        transaction_id: TransactionId,
        /// Signed: negative when money left the wallet.
        amount: Money,
        reason: String,
        timestamp: DateTime<Utc>,
    },
    /// An alert opened, escalated or resolved (`platform::alerts`): for the admins.
    #[serde(rename = "system.alert")]
    SystemAlert {
        alert_id: AlertId,
        change: AlertChange,
        severity: AlertSeverity,
        source: String,
        message: String,
        timestamp: DateTime<Utc>,
    },
}

/// Whom an event is for: one customer, or the admins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience<'a> {
    Customer(&'a CustomerId),
    Admins,
}

impl DomainEvent {
    pub fn name(&self) -> &'static str {
        match self {
            DomainEvent::OrderStatusChanged { .. } => "order.status.changed",
            DomainEvent::ClientStatusChanged { .. } => "client.status.changed",
            DomainEvent::ClientExpiring { .. } => "client.expiring",
            DomainEvent::WalletBalanceChanged { .. } => "wallet.balance.changed",
            DomainEvent::SystemAlert { .. } => "system.alert",
        }
    }

    pub fn audience(&self) -> Audience<'_> {
        match self {
            DomainEvent::OrderStatusChanged { customer_id, .. }
            | DomainEvent::ClientStatusChanged { customer_id, .. }
            | DomainEvent::ClientExpiring { customer_id, .. }
            | DomainEvent::WalletBalanceChanged { customer_id, .. } => Audience::Customer(customer_id),
            DomainEvent::SystemAlert { .. } => Audience::Admins,
        }
    }

    pub fn timestamp(&self) -> DateTime<Utc> {
        match self {
            DomainEvent::OrderStatusChanged { timestamp, .. }
            | DomainEvent::ClientStatusChanged { timestamp, .. }
            | DomainEvent::ClientExpiring { timestamp, .. }
            | DomainEvent::WalletBalanceChanged { timestamp, .. }
            | DomainEvent::SystemAlert { timestamp, .. } => *timestamp,
        }
    }

    /// The broadcast channels (the original's names).
    pub fn channels(&self) -> Vec<String> {
        let mut channels = match self.audience() {
            Audience::Customer(customer) => vec![format!("customer.{customer}")],
            Audience::Admins => vec!["admin".to_owned()],
        };
        match self {
            DomainEvent::OrderStatusChanged { order_id, .. }
            | DomainEvent::ClientStatusChanged { order_id, .. }
            | DomainEvent::ClientExpiring { order_id, .. } => {
                channels.push(format!("order.{order_id}"));
            }
            DomainEvent::WalletBalanceChanged { .. } | DomainEvent::SystemAlert { .. } => {}
        }
        channels
    }
}

/// What the analytics queue learns of each order: enough to count sales per day, plan and server without
/// reading orders back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderFact {
    pub order_id: OrderId,
    pub customer_id: CustomerId,
    pub placed_at: DateTime<Utc>,
    pub grand_amount: Money,
    pub currency: String,
    pub lines: Vec<OrderFactLine>,
    /// How it was paid (facts sent before this field existed were all wallet orders).
    #[serde(default = "wallet")]
    pub payment_method: super::PaymentMethod,
    /// Months of service bought (1 when unknown).
    #[serde(default = "one_month")]
    pub duration_months: u32,
    /// When the service bought ends (the latest line's expiry); None when the plans had no duration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<DateTime<Utc>>,
    /// Set on a cancellation's fact: when the order was cancelled (and refunded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_at: Option<DateTime<Utc>>,
}

fn wallet() -> super::PaymentMethod {
    super::PaymentMethod::Wallet
}

fn one_month() -> u32 {
    1
}

impl OrderFact {
    pub fn of(order: &super::Order, items: &[super::OrderItem]) -> OrderFact {
        OrderFact {
            order_id: order.id.clone(),
            customer_id: order.customer_id.clone(),
            placed_at: order.created_at,
            grand_amount: order.grand_amount,
            currency: order.currency.clone(),
            payment_method: order.payment_method,
            duration_months: order.duration_months.max(1),
            ends_at: items.iter().filter_map(|i| i.expires_at).max(),
            cancelled_at: (order.order_status == super::OrderStatus::Cancelled).then_some(order.updated_at),
            lines: items
                .iter()
                .map(|i| OrderFactLine {
                    plan_id: i.plan_id.clone(),
                    server_id: i.server_id.clone(),
                    quantity: i.quantity,
                    total_amount: i.total_amount,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderFactLine {
    pub plan_id: super::PlanId,
    pub server_id: ServerId,
    pub quantity: u32,
    pub total_amount: Money,
}

impl super::ServerUnits for OrderFactLine {
    fn server(&self) -> &ServerId {
        &self.server_id
    }
    fn units(&self) -> u32 {
        self.quantity
    }
}
