//! The domain: plain data with serde, typed ids and `Decimal` money. No I/O here.

mod alert;
mod analytics;
mod capacity;
pub mod chat;
mod client;
mod connection;
mod coupon;
mod customer;
mod events;
mod forecast;
mod ids;
mod job;
mod notification;
mod order;
mod plan;
mod server;
mod wallet;

pub use alert::{Alert, AlertChange, AlertSeverity, AlertState};
pub use analytics::{
    BoardMove, Cells, CustomerFact, CustomerLedger, DepositFact, Dimension, Grain, HOURLY_KEEP_DAYS, LedgerOrder,
    Rollup, RollupKey, SignUp, VersionedLedger, day_bucket, month_bucket,
};
pub use capacity::{CapacityBand, DriftSuspect, LocationScalingState, SlotCounters};
pub use chat::{ChatMessage, ChatSide, Conversation, ConversationStatus, MAX_MESSAGE_CHARS, MessageId};
pub use client::ServerClient;
pub use connection::{CONNECTION_LIFETIME_SECS, Connection, Subscriber};
pub use coupon::{Coupon, CouponState, DiscountKind};
pub use customer::{Customer, LoyaltyTier, ProfileChanges, ThemeMode};
pub use events::{Audience, ClientStatus, DomainEvent, OrderFact, OrderFactLine};
pub use forecast::{
    Backtest, DayForecast, Expected, InventoryForecast, LocationForecast, NoForecast, SalesForecast, SeriesOutcome,
    ServerForecast,
};
pub use ids::{AlertId, ClientId, ConversationId, CustomerId, JobId, OrderId, PlanId, ServerId, TransactionId};
pub use job::{FailedJob, Job, Priority};
pub use notification::{Inbox, Notification, NotificationId};
pub use order::{Order, OrderItem, OrderStatus, PaymentMethod, PaymentStatus, ServerUnits, units_per_server};
pub use plan::Plan;
pub use server::{Server, ServerStatus};
pub use wallet::{CURRENCIES, TransactionStatus, TransactionType, Wallet, WalletTransaction};

/// Money. Always `Decimal`, serialised as a string so no JSON or store layer rounds it through a float.
pub type Money = rust_decimal::Decimal;
