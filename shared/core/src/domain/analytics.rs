//! What the analytics rollups are made of: the facts the worker learns, each customer's ledger of them, and
//! the cells (a bucket of time, a dimension, a measure) the facts add to. The analytics context computes the
//! cells; the store keeps them.

use super::{CustomerId, Money, OrderId, PaymentMethod, TransactionId};
use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// How long hourly rollups are kept (daily and monthly ones are kept for good).
pub const HOURLY_KEEP_DAYS: i64 = 14;

/// A rollup's time bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grain {
    Hour,
    Day,
    Month,
    /// Not a time bucket: the state now (customers per segment).
    Current,
}

impl Grain {
    pub fn code(self) -> &'static str {
        match self {
            Grain::Hour => "H",
            Grain::Day => "D",
            Grain::Month => "M",
            Grain::Current => "C",
        }
    }

    /// The bucket `at` falls in, as the store sorts it (`2026-11-30T13`, `2026-11-30`, `2026-11`).
    pub fn bucket(self, at: DateTime<Utc>) -> String {
        match self {
            Grain::Hour => format!("{}T{:02}", at.date_naive(), at.hour()),
            Grain::Day => day_bucket(at.date_naive()),
            Grain::Month => month_bucket(at.date_naive()),
            Grain::Current => String::new(),
        }
    }
}

pub fn day_bucket(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

pub fn month_bucket(day: NaiveDate) -> String {
    format!("{:04}-{:02}", day.year(), day.month())
}

/// What a rollup is broken down by. `Total` is the whole business.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Total,
    Plan,
    Server,
    Location,
    PaymentMethod,
    /// Customers' country (sign-ups, segments).
    Country,
    /// Loyalty tier (segments).
    Tier,
    /// MRR and its movements.
    Mrr,
    /// Retention cohorts: the value is the cohort's first-order month, the bucket the month of activity.
    Cohort,
    /// The HTTP functions' request telemetry (value: the function's name).
    Function,
    /// The queue worker's jobs (value: the job type).
    JobType,
    /// The 5-minute health checks' outcomes.
    Health,
    /// Provisioning's panel calls and outcomes (value: the server).
    Provisioning,
}

impl Dimension {
    pub fn code(self) -> &'static str {
        match self {
            Dimension::Total => "total",
            Dimension::Plan => "plan",
            Dimension::Server => "server",
            Dimension::Location => "location",
            Dimension::PaymentMethod => "method",
            Dimension::Country => "country",
            Dimension::Tier => "tier",
            Dimension::Mrr => "mrr",
            Dimension::Cohort => "cohort",
            Dimension::Function => "function",
            Dimension::JobType => "job",
            Dimension::Health => "health",
            Dimension::Provisioning => "provisioning",
        }
    }
}

/// One rollup item: a bucket of a grain, broken down by a dimension's value (empty for `Total` and `Mrr`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RollupKey {
    pub grain: Grain,
    pub dimension: Dimension,
    pub bucket: String,
    pub value: String,
}

impl RollupKey {
    pub fn new(grain: Grain, dimension: Dimension, at: DateTime<Utc>, value: impl Into<String>) -> Self {
        RollupKey { grain, dimension, bucket: grain.bucket(at), value: value.into() }
    }
}

/// A rollup item as read: its bucket, its dimension's value and its measures.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rollup {
    pub bucket: String,
    pub value: String,
    pub measures: BTreeMap<String, rust_decimal::Decimal>,
}

impl Rollup {
    pub fn get(&self, measure: &str) -> rust_decimal::Decimal {
        self.measures.get(measure).copied().unwrap_or_default()
    }
}

/// Changes to rollup measures: what one fact adds (or, for a customer's derived figures, the difference it
/// makes). Cells that net to zero are dropped.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cells(pub BTreeMap<RollupKey, BTreeMap<&'static str, rust_decimal::Decimal>>);

impl Cells {
    pub fn add(&mut self, key: RollupKey, measure: &'static str, amount: rust_decimal::Decimal) {
        if amount.is_zero() {
            return;
        }
        *self.0.entry(key).or_default().entry(measure).or_default() += amount;
    }

    /// `self - other`, cell by cell, without the zeros.
    pub fn minus(&self, other: &Cells) -> Cells {
        let mut out = self.clone();
        for (key, measures) in &other.0 {
            for (measure, amount) in measures {
                out.add(key.clone(), measure, -*amount);
            }
        }
        out.0.retain(|_, measures| {
            measures.retain(|_, amount| !amount.is_zero());
            !measures.is_empty()
        });
        out
    }

    pub fn merge(&mut self, other: Cells) {
        for (key, measures) in other.0 {
            for (measure, amount) in measures {
                self.add(key.clone(), measure, amount);
            }
        }
        self.0.retain(|_, measures| {
            measures.retain(|_, amount| !amount.is_zero());
            !measures.is_empty()
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A customer's net sales in one day or month (orders placed less orders refunded there) moved by a fact, as
/// the top-customer boards list them (zero: not listed).
#[derive(Debug, Clone, PartialEq)]
pub struct BoardMove {
    pub grain: Grain,
    pub bucket: String,
    pub before: rust_decimal::Decimal,
    pub after: rust_decimal::Decimal,
}

/// One line of an order fact's lines as the rollups need it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerOrder {
    pub placed_at: DateTime<Utc>,
    pub amount: Money,
    /// The order's total over its months: its contribution to MRR while it runs.
    pub monthly: Money,
    /// When the service bought ends.
    pub ends_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_at: Option<DateTime<Utc>>,
}

impl LedgerOrder {
    /// When the order stopped counting: its end, or its cancellation if earlier.
    pub fn stops_at(&self) -> DateTime<Utc> {
        self.cancelled_at.map_or(self.ends_at, |c| c.min(self.ends_at))
    }
}

/// What the analytics worker knows of one customer: every fact about them it has applied (so a fact is
/// applied once) and what the customer-level figures are derived from — orders (activity, cohorts, MRR,
/// loyalty) and sign-up (new customers, country).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CustomerLedger {
    pub facts: BTreeSet<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_up: Option<SignUp>,
    #[serde(default)]
    pub orders: BTreeMap<OrderId, LedgerOrder>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignUp {
    pub at: DateTime<Utc>,
    #[serde(default)]
    pub country: Option<String>,
}

/// A customer's ledger as stored, with the version its next write is conditioned on.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionedLedger {
    pub customer_id: CustomerId,
    /// 0 when the customer has no ledger yet.
    pub version: u64,
    pub ledger: CustomerLedger,
}

impl VersionedLedger {
    /// The ledger of a customer the worker has not heard of yet.
    pub fn empty(customer_id: CustomerId) -> Self {
        VersionedLedger { customer_id, version: 0, ledger: CustomerLedger::default() }
    }
}

/// A customer signed up (the analytics queue's `analytics.customer_created`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerFact {
    pub customer_id: CustomerId,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub country: Option<String>,
}

impl CustomerFact {
    pub fn of(customer: &super::Customer) -> Self {
        CustomerFact {
            customer_id: customer.id.clone(),
            created_at: customer.created_at,
            country: customer.country.clone(),
        }
    }
}

/// Money paid into a wallet (the analytics queue's `analytics.wallet_deposit`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DepositFact {
    pub transaction_id: TransactionId,
    pub customer_id: CustomerId,
    pub amount: Money,
    pub at: DateTime<Utc>,
    /// How the money came in (an admin's credit is `wallet`).
    pub method: PaymentMethod,
}
