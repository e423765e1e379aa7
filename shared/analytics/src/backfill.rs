//! `backfill(from, to)`: the facts of a range of days rebuilt from the source records — orders placed (and
//! their cancellations), wallet deposits, sign-ups — and applied through the consumers' own path. A fact the
//! rollups hold already changes nothing, so a backfill over facts that were counted agrees with what the
//! worker counted, and one over facts that were lost (a dead-lettered message, days before analytics existed)
//! adds exactly what the worker would have.

use crate::facts::{self, FactsEnv};
use chrono::{Duration, NaiveDate};
use futures_util::StreamExt;
use proxy_core::domain::{
    CustomerFact, DepositFact, OrderFact, OrderStatus, PaymentMethod, PaymentStatus, TransactionType,
};
use proxy_core::error::PortError;
use serde::Serialize;

/// Orders read and applied at once.
const CONCURRENCY: usize = 8;
/// The longest range one run rebuilds.
pub const MAX_DAYS: i64 = 366;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BackfillReport {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Facts found in the source records, and how many of them the rollups did not hold yet.
    pub orders: Counted,
    pub cancellations: Counted,
    pub deposits: Counted,
    pub sign_ups: Counted,
    /// Closed days and months whose distinct-customer registers were folded again after the late facts.
    pub packed: usize,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Counted {
    pub found: u64,
    pub applied: u64,
}

impl Counted {
    fn add(&mut self, applied: bool) {
        self.found += 1;
        self.applied += u64::from(applied);
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BackfillError {
    #[error("from must not be after to")]
    Reversed,
    #[error("a backfill covers at most {MAX_DAYS} days")]
    TooLong,
    #[error(transparent)]
    Port(#[from] PortError),
}

pub async fn backfill(ctx: &impl FactsEnv, from: NaiveDate, to: NaiveDate) -> Result<BackfillReport, BackfillError> {
    if from > to {
        return Err(BackfillError::Reversed);
    }
    if (to - from).num_days() + 1 > MAX_DAYS {
        return Err(BackfillError::TooLong);
    }
    let start = from.and_hms_opt(0, 0, 0).map(|t| t.and_utc()).unwrap_or_default();
    let end = (to + Duration::days(1)).and_hms_opt(0, 0, 0).map(|t| t.and_utc()).unwrap_or_default()
        - Duration::microseconds(1);
    let stores = ctx.stores();
    let mut report = BackfillReport { from: Some(from), to: Some(to), ..BackfillReport::default() };

    // Sign-ups first: a customer's country files their orders' segments (the order does not matter to the
    // result, only to how many writes it takes).
    for customer in stores.customers.created_between(start, end).await? {
        report.sign_ups.add(facts::record_sign_up(ctx, &CustomerFact::of(&customer)).await?);
    }
    let mut cursor = None;
    loop {
        let (page, next) =
            stores.wallets.transactions_by_type(TransactionType::Deposit, start, end, 100, cursor).await?;
        for transaction in page {
            let fact = DepositFact {
                transaction_id: transaction.id.clone(),
                customer_id: transaction.customer_id.clone(),
                amount: transaction.amount,
                at: transaction.created_at,
                method: PaymentMethod::Wallet,
            };
            report.deposits.add(facts::record_deposit(ctx, &fact).await?);
        }
        match next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    // Every order that was paid: still paid (new, processing, completed, dispute) or refunded (cancelled).
    let (paid, refunded) = futures_util::join!(
        stores.orders.by_payment_status(PaymentStatus::Paid, start, end),
        stores.orders.by_payment_status(PaymentStatus::Refunded, start, end),
    );
    let orders: Vec<_> = paid?.into_iter().chain(refunded?).collect();
    let outcomes: Vec<Result<(bool, Option<bool>), PortError>> = futures_util::stream::iter(orders)
        .map(|order| async move {
            let lines = ctx.stores().orders.lines(&order.id).await?;
            let fact = OrderFact::of(&order, &lines);
            let placed = facts::count_order(ctx, &OrderFact { cancelled_at: None, ..fact.clone() }).await?;
            let cancelled = match order.order_status {
                OrderStatus::Cancelled => Some(facts::uncount_order(ctx, &fact, order.updated_at).await?),
                _ => None,
            };
            Ok((placed, cancelled))
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    for outcome in outcomes {
        let (placed, cancelled) = outcome?;
        report.orders.add(placed);
        if let Some(applied) = cancelled {
            report.cancellations.add(applied);
        }
    }
    report.packed = crate::active::pack_range(ctx, from, to, ctx.clock().now().date_naive()).await?.len();
    Ok(report)
}
