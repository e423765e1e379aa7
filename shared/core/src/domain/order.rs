use super::{CustomerId, Money, OrderId, PlanId, ServerId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    Wallet,
    Stripe,
    Paypal,
    Nowpayments,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    Pending,
    Paid,
    Failed,
    /// Paid, then given back (a cancelled order).
    Refunded,
}

impl PaymentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Pending => "pending",
            PaymentStatus::Paid => "paid",
            PaymentStatus::Failed => "failed",
            PaymentStatus::Refunded => "refunded",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    New,
    Processing,
    Completed,
    Dispute,
    /// Cancelled by the customer before provisioning started: capacity released, payment refunded.
    Cancelled,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 5] = [
        OrderStatus::New,
        OrderStatus::Processing,
        OrderStatus::Completed,
        OrderStatus::Dispute,
        OrderStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::New => "new",
            OrderStatus::Processing => "processing",
            OrderStatus::Completed => "completed",
            OrderStatus::Dispute => "dispute",
            OrderStatus::Cancelled => "cancelled",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    pub id: OrderId,
    pub order_number: String,
    pub customer_id: CustomerId,
    pub subtotal: Money,
    pub discount: Money,
    pub grand_amount: Money,
    pub currency: String,
    pub payment_method: PaymentMethod,
    pub payment_status: PaymentStatus,
    pub order_status: OrderStatus,
    pub coupon_code: Option<String>,
    /// Months of service bought (1..=12).
    pub duration_months: u32,
    pub notes: Option<String>,
    pub item_count: u32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderItem {
    pub order_id: OrderId,
    /// Position within the order, from 0.
    pub line: u32,
    pub plan_id: PlanId,
    pub server_id: ServerId,
    pub quantity: u32,
    pub unit_amount: Money,
    pub total_amount: Money,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// A line that takes units (clients) on one server: an order's line, a quote's, an order fact's.
pub trait ServerUnits {
    fn server(&self) -> &ServerId;
    fn units(&self) -> u32;
}

impl ServerUnits for OrderItem {
    fn server(&self) -> &ServerId {
        &self.server_id
    }
    fn units(&self) -> u32 {
        self.quantity
    }
}

/// A line known by its server and units only (a cart line once its plan is known).
impl ServerUnits for (ServerId, u32) {
    fn server(&self) -> &ServerId {
        &self.0
    }
    fn units(&self) -> u32 {
        self.1
    }
}

/// How many units `lines` take on each server: what checkout holds, provisioning activates, cancellation
/// releases, reconciliation counts as held and the sales counters add up, all from this one sum.
pub fn units_per_server<'a, L: ServerUnits + 'a>(
    lines: impl IntoIterator<Item = &'a L>,
) -> std::collections::BTreeMap<ServerId, u32> {
    let mut totals = std::collections::BTreeMap::new();
    for line in lines {
        *totals.entry(line.server().clone()).or_default() += line.units();
    }
    totals
}
