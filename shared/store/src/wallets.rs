use super::{codec, keys};
use chrono::{DateTime, Utc};
use proxy_core::domain::{CustomerId, Money, TransactionType, Wallet, WalletTransaction};
use proxy_core::error::PortResult;
use proxy_core::ports::table::{
    Condition, Cursor, Index, Item, KeyRange, ListScope, PK, Query, SK, Table, TransactOp, Update, UpdateAction, string,
};
use std::sync::Arc;

/// `balance` is a DynamoDB number so the store can add to it atomically under a condition.
const WALLET_NUMBERS: &[&str] = &["balance"];

/// Decodes a wallet item read by some other query (a batched read at checkout).
pub(crate) fn decode_wallet(item: proxy_core::ports::table::Item) -> PortResult<Wallet> {
    codec::decode(item, WALLET_NUMBERS)
}

#[derive(Clone)]
pub struct WalletStore {
    table: Arc<dyn Table>,
}

impl WalletStore {
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self { table }
    }

    /// Opens an empty wallet; a conflict if the customer already has one.
    pub async fn open(&self, wallet: &Wallet) -> PortResult<()> {
        self.table.put(Self::wallet_item(wallet)?, Some(Condition::NotExists)).await
    }

    /// `open`'s write, for a larger transaction (sign-up opens the wallet with the profile).
    pub fn open_op(&self, wallet: &Wallet) -> PortResult<TransactOp> {
        Ok(TransactOp::Put { item: Self::wallet_item(wallet)?, condition: Some(Condition::NotExists) })
    }

    fn wallet_item(wallet: &Wallet) -> PortResult<Item> {
        let mut item = codec::encode(wallet, WALLET_NUMBERS)?;
        item.extend(keys::wallet(&wallet.customer_id).to_item());
        Ok(item)
    }

    pub async fn get(&self, customer: &CustomerId) -> PortResult<Option<Wallet>> {
        self.table.get(&keys::wallet(customer)).await?.map(|i| codec::decode(i, WALLET_NUMBERS)).transpose()
    }

    /// The operations that record a transaction and move the balance by its (signed) amount, for use inside a
    /// larger transaction (checkout). A debit carries the condition that the balance covers it; the reference
    /// guard makes a reused reference fail.
    pub fn transaction_ops(&self, transaction: &WalletTransaction, now: DateTime<Utc>) -> PortResult<Vec<TransactOp>> {
        let mut item = codec::encode(transaction, &[])?;
        item.extend(
            keys::wallet_transaction(&transaction.customer_id, transaction.created_at, transaction.id.as_str())
                .to_item(),
        );
        item.insert("gsi1pk".into(), string(keys::wallet_transactions_by_type(transaction.kind)));
        item.insert(
            "gsi1sk".into(),
            string(format!("{}#{}", keys::sortable_time(transaction.created_at), transaction.id)),
        );
        let balance_condition = if transaction.amount.is_sign_negative() {
            Condition::AtLeast("balance".into(), -transaction.amount)
        } else {
            Condition::Exists
        };
        let mut guard = keys::transaction_reference_guard(&transaction.reference).to_item();
        guard.insert("transaction_id".into(), string(transaction.id.as_str()));
        Ok(vec![
            TransactOp::Update(Update {
                key: keys::wallet(&transaction.customer_id),
                actions: vec![
                    UpdateAction::Add("balance".into(), transaction.amount),
                    UpdateAction::Set("updated_at".into(), string(now.to_rfc3339())),
                ],
                condition: Some(balance_condition),
            }),
            TransactOp::Put { item, condition: Some(Condition::NotExists) },
            TransactOp::Put { item: guard, condition: Some(Condition::NotExists) },
        ])
    }

    /// Applies one transaction on its own (deposits, admin credits). Conflict when a debit exceeds the
    /// balance, the wallet does not exist, or the reference was used before.
    pub async fn apply(&self, transaction: &WalletTransaction, now: DateTime<Utc>) -> PortResult<()> {
        self.table.transact(self.transaction_ops(transaction, now)?).await
    }

    /// Where the positions of a customer's transaction list lie: the wallet's partition also holds the wallet
    /// itself, whose key no position may name.
    pub fn transaction_list_scope(customer: &CustomerId) -> ListScope {
        ListScope {
            keys: vec![PK, SK],
            partition: (PK, keys::wallet_transaction_partition(customer)),
            sort_prefix: Some((SK, keys::WALLET_TRANSACTION_PREFIX)),
        }
    }

    /// A customer's transactions, newest first.
    pub async fn transactions_of(
        &self,
        customer: &CustomerId,
        limit: usize,
        after: Option<Cursor>,
    ) -> PortResult<(Vec<WalletTransaction>, Option<Cursor>)> {
        super::query_page(
            &*self.table,
            Query::new(Index::Primary, keys::wallet_transaction_partition(customer))
                .range(KeyRange::BeginsWith(keys::WALLET_TRANSACTION_PREFIX.into()))
                .descending()
                .limit(limit)
                .start_after(after),
        )
        .await
    }

    /// Transactions of one type in a time window, oldest first (reports: deposits per day, refunds, ...).
    pub async fn transactions_by_type(
        &self,
        kind: TransactionType,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
        after: Option<Cursor>,
    ) -> PortResult<(Vec<WalletTransaction>, Option<Cursor>)> {
        super::query_page(
            &*self.table,
            Query::new(Index::Gsi1, keys::wallet_transactions_by_type(kind))
                .range(KeyRange::Between(keys::sortable_time(from), format!("{}~", keys::sortable_time(to))))
                .limit(limit)
                .start_after(after),
        )
        .await
    }
}

/// A completed wallet transaction of `amount` (given positive; stored signed by `kind`, debits negative).
pub fn new_wallet_transaction(
    customer: &CustomerId,
    kind: TransactionType,
    amount: Money,
    reference: impl Into<String>,
    description: impl Into<String>,
    at: DateTime<Utc>,
) -> WalletTransaction {
    WalletTransaction {
        id: proxy_core::domain::TransactionId::generate(),
        customer_id: customer.clone(),
        kind,
        amount: WalletTransaction::signed_amount(kind, amount),
        status: proxy_core::domain::TransactionStatus::Completed,
        reference: reference.into(),
        description: description.into(),
        order_id: None,
        created_by: None,
        created_at: at,
    }
}
