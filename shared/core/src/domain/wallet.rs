use super::{CustomerId, Money, OrderId, TransactionId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The currencies orders and wallets may be in (the original's CreateOrderRequest list).
pub const CURRENCIES: [&str; 6] = ["USD", "EUR", "GBP", "BTC", "XMR", "SOL"];

/// One wallet per customer. `balance` only changes by atomic conditional updates in the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Wallet {
    pub customer_id: CustomerId,
    pub balance: Money,
    pub currency: String,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransactionType {
    Deposit,
    Withdrawal,
    Debit,
    Credit,
    Refund,
}

impl TransactionType {
    pub const ALL: [TransactionType; 5] = [
        TransactionType::Deposit,
        TransactionType::Withdrawal,
        TransactionType::Debit,
        TransactionType::Credit,
        TransactionType::Refund,
    ];

    /// The sign convention, in one place: money into the wallet is positive, money out is negative.
    pub fn sign(self) -> i8 {
        match self {
            TransactionType::Deposit | TransactionType::Credit | TransactionType::Refund => 1,
            TransactionType::Withdrawal | TransactionType::Debit => -1,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TransactionType::Deposit => "deposit",
            TransactionType::Withdrawal => "withdrawal",
            TransactionType::Debit => "debit",
            TransactionType::Credit => "credit",
            TransactionType::Refund => "refund",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransactionStatus {
    Pending,
    Completed,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WalletTransaction {
    pub id: TransactionId,
    pub customer_id: CustomerId,
    pub kind: TransactionType,
    /// Signed by `kind.sign()`: deposits positive, debits negative. `signed_amount` builds it.
    pub amount: Money,
    pub status: TransactionStatus,
    /// Unique across all transactions (enforced by the store), e.g. the order number or a payment id.
    pub reference: String,
    pub description: String,
    pub order_id: Option<OrderId>,
    /// Who made it, when not the customer's own action (an admin's subject for credits): the audit trail.
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl WalletTransaction {
    /// Applies the sign convention to an unsigned amount.
    pub fn signed_amount(kind: TransactionType, magnitude: Money) -> Money {
        let magnitude = magnitude.abs();
        if kind.sign() < 0 { -magnitude } else { magnitude }
    }
}
