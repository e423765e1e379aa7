//! Repositories: one per aggregate, each exposing exactly the access patterns the services need, built once
//! over the `Table` port (so the DynamoDB and in-memory backends share the key design byte for byte).
//! The key design is documented in `docs/dynamodb-key-design.md`; `keys` is its single implementation.

mod alerts;
mod analytics;
mod carts;
mod catalog;
mod chats;
mod clients;
mod codec;
mod connections;
mod coupons;
mod customers;
mod failed_jobs;
mod feed;
mod idempotency_keys;
mod inventory;
mod job_claims;
pub mod keys;
mod mail_outbox;
mod notifications;
mod orders;
mod pricing;
mod queue_runs;
mod reports;
mod retention;
mod stats;
mod wallets;

pub use alerts::{AlertStore, ConditionState};
pub use analytics::{ACTIVE_REGISTERS, AnalyticsStore, Applied};
pub use carts::{CartItems, CartStore};
pub use catalog::CatalogStore;
pub use chats::{Assigned, ChatStore, OpenConversations, Sent, Started};
pub use clients::ClientStore;
pub(crate) use codec::decode;
pub use connections::ConnectionStore;
pub use coupons::CouponStore;
pub use customers::{CustomerStore, ProfileOp};
pub use failed_jobs::{FailedJobFilter, FailedJobStore, Failure};
pub use feed::{FeedEntry, FeedStore};
pub use idempotency_keys::IdempotencyKeyStore;
pub use inventory::{BandState, InventoryStore};
pub use job_claims::{Claim, ClaimOwner, JobClaimStore};
pub use mail_outbox::{MailOutboxStore, PendingMail};
pub use notifications::{Marked, NotificationStore, ReadState, Unread};
pub use orders::OrderStore;
pub use pricing::{PricingRuleStore, RulesVersion};
pub use queue_runs::QueueRunStore;
pub use reports::{ReportHeader, ReportStore, Saved};
pub use retention::{Retained, RetentionStore};
pub use stats::{PlanDay, StatsStore};
use wallets::decode_wallet;
pub use wallets::{WalletStore, new_wallet_transaction};

use proxy_core::error::PortResult;
use proxy_core::ports::Table;
use proxy_core::ports::table::TransactOp;
use std::sync::Arc;

/// Every repository over one table. The table itself is private: only repositories build keys and transaction
/// operations; a service composes the operations they give it and commits them here.
#[derive(Clone)]
pub struct Stores {
    table: Arc<dyn Table>,
    pub carts: CartStore,
    pub customers: CustomerStore,
    pub wallets: WalletStore,
    pub catalog: CatalogStore,
    pub orders: OrderStore,
    pub clients: ClientStore,
    pub alerts: AlertStore,
    pub coupons: CouponStore,
    pub pricing: PricingRuleStore,
    pub queue_runs: QueueRunStore,
    pub feed: FeedStore,
    /// Inboxes of notifications (the admins' dashboard, customers').
    pub notifications: NotificationStore,
    /// Each address's outbox of alert e-mail.
    pub mail_outbox: MailOutboxStore,
    pub failed_jobs: FailedJobStore,
    pub stats: StatsStore,
    /// The analytics rollups and each customer's ledger of facts.
    pub analytics: AnalyticsStore,
    /// The analytics reports, per period.
    pub reports: ReportStore,
    /// Clients' `Idempotency-Key`s and what each first request created.
    pub idempotency_keys: IdempotencyKeyStore,
    /// The queue worker's claims on the jobs it runs (a redelivered job does its work once).
    pub job_claims: JobClaimStore,
    pub inventory: InventoryStore,
    /// The real-time registry: WebSocket connections and their channels.
    pub connections: ConnectionStore,
    /// Support conversations and their messages.
    pub chats: ChatStore,
    /// Expired records DynamoDB has yet to delete, in the lists the clean-up reaches by key.
    pub retention: RetentionStore,
}

impl Stores {
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self {
            carts: CartStore::new(table.clone()),
            customers: CustomerStore::new(table.clone()),
            wallets: WalletStore::new(table.clone()),
            catalog: CatalogStore::new(table.clone()),
            orders: OrderStore::new(table.clone()),
            clients: ClientStore::new(table.clone()),
            alerts: AlertStore::new(table.clone()),
            coupons: CouponStore::new(table.clone()),
            pricing: PricingRuleStore::new(table.clone()),
            queue_runs: QueueRunStore::new(table.clone()),
            feed: FeedStore::new(table.clone()),
            notifications: NotificationStore::new(table.clone()),
            mail_outbox: MailOutboxStore::new(table.clone()),
            failed_jobs: FailedJobStore::new(table.clone()),
            stats: StatsStore::new(table.clone()),
            analytics: AnalyticsStore::new(table.clone()),
            reports: ReportStore::new(table.clone()),
            idempotency_keys: IdempotencyKeyStore::new(table.clone()),
            job_claims: JobClaimStore::new(table.clone()),
            inventory: InventoryStore::new(table.clone()),
            connections: ConnectionStore::new(table.clone()),
            chats: ChatStore::new(table.clone()),
            retention: RetentionStore::new(table.clone()),
            table,
        }
    }

    /// Commits repositories' operations as one transaction: all or nothing.
    pub async fn commit(&self, ops: Vec<TransactOp>) -> PortResult<()> {
        self.table.transact(ops).await
    }

    /// `commit`, tried again when DynamoDB cancels it only for colliding with a concurrent transaction (see
    /// `transact_with_retry`).
    pub async fn commit_with_retry(&self, ops: Vec<TransactOp>) -> PortResult<()> {
        transact_with_retry(&*self.table, ops).await
    }

    /// Whether the table answers (the health check's probe).
    pub async fn ping(&self) -> PortResult<()> {
        self.table.ping().await
    }

    /// The calls the store throttled since the last time this was asked (this instance's).
    pub fn take_throttled(&self) -> u64 {
        self.table.take_throttled()
    }

    /// The table's item count and size, as the store reports them.
    pub async fn describe(&self) -> PortResult<proxy_core::ports::table::TableFigures> {
        self.table.describe().await
    }
}

/// Reads every page of a query (for small partitions: the server list, a day's expiries).
pub(crate) async fn query_all<T: serde::de::DeserializeOwned>(
    table: &dyn Table,
    query: proxy_core::ports::table::Query,
) -> proxy_core::error::PortResult<Vec<T>> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        // DynamoDB ends a page at 1 MB whatever the limit; 1,000 small items (servers, plans) fit in one.
        let page = table.query(query.clone().limit(1000).start_after(cursor)).await?;
        for item in page.items {
            out.push(decode(item, &[])?);
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok(out),
        }
    }
}

/// Reads one page of a query, decoded.
pub(crate) async fn query_page<T: serde::de::DeserializeOwned>(
    table: &dyn Table,
    query: proxy_core::ports::table::Query,
) -> proxy_core::error::PortResult<(Vec<T>, Option<proxy_core::ports::table::Cursor>)> {
    let page = table.query(query).await?;
    let items = page.items.into_iter().map(|i| decode(i, &[])).collect::<proxy_core::error::PortResult<_>>()?;
    Ok((items, page.next))
}

/// A scheduled task's report, archived one item per run. The store owns where it goes and how long it stays; the
/// context that runs the task owns the report's shape.
pub trait RunReport: serde::Serialize + serde::de::DeserializeOwned {
    /// When the run started: its key, and the start of its retention.
    fn ran_at(&self) -> chrono::DateTime<chrono::Utc>;
}

/// Archives one run of a scheduled task (its report, under `RUN#<time>` in its partition) until `expires`.
pub(crate) async fn archive_run<T: serde::Serialize>(
    table: &dyn Table,
    run: &T,
    key: proxy_core::ports::table::Key,
    expires: chrono::DateTime<chrono::Utc>,
) -> PortResult<()> {
    let mut item = codec::encode(run, &[])?;
    item.extend(key.to_item());
    item.insert(proxy_core::ports::table::TTL.into(), proxy_core::ports::table::number(expires.timestamp()));
    table.put(item, Some(proxy_core::ports::table::Condition::NotExists)).await
}

/// The latest runs archived in `partition`, newest first.
pub(crate) async fn recent_runs<T: serde::de::DeserializeOwned>(
    table: &dyn Table,
    partition: &str,
    limit: usize,
) -> PortResult<Vec<T>> {
    use proxy_core::ports::table::{Index, KeyRange, Query};
    let query =
        Query::new(Index::Primary, partition).range(KeyRange::BeginsWith("RUN#".into())).descending().limit(limit);
    query_page(table, query).await.map(|(runs, _)| runs)
}

/// DynamoDB cancels a transaction that collides with a concurrent one on the same item even when every
/// condition holds (`op_index` None). Such a cancellation says nothing about the data, so try again a few
/// times, with a short jittered pause; a failed condition is returned at once.
async fn transact_with_retry(table: &dyn Table, ops: Vec<TransactOp>) -> PortResult<()> {
    const ATTEMPTS: u32 = 4;
    let mut attempt = 1;
    loop {
        match table.transact(ops.clone()).await {
            Err(proxy_core::error::PortError::Conflict { op_index: None }) if attempt < ATTEMPTS => {
                let pause = 10 * u64::from(attempt) + u64::from(uuid::Uuid::new_v4().as_bytes()[0] % 20);
                tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
                attempt += 1;
            }
            result => return result,
        }
    }
}
