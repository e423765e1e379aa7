//! The analytics queue's consumers: each fact — an order placed or cancelled, a wallet deposit, a sign-up —
//! applied to the rollups exactly once (`apply`), whatever the number of deliveries and their order.
//!
//! A fact's own cells (its sale per hour, day and month, by payment method, plan, server and location), the
//! difference it makes to its customer's derived figures (`ledger`) and the customer's moves on the day's and
//! month's top-customer boards are written in one transaction with the customer's ledger, which lists the facts
//! it holds and is conditioned on its version.

use crate::AnalyticsEnv;
use crate::hll;
use crate::ledger::{self, derived_cells};
use chrono::{DateTime, Utc};
use platform::jobs::{JobError, JobHandler, JobRegistry, RunOnce, payload};
use proxy_core::domain::{
    Cells, CustomerFact, CustomerId, CustomerLedger, DepositFact, Dimension, Grain, Job, OrderFact, RollupKey, ServerId,
};
use proxy_core::error::PortError;
use rust_decimal::Decimal;
use std::collections::{BTreeSet, HashMap};
use store::Applied;

pub use platform::events::{CUSTOMER_FACT_JOB, DEPOSIT_FACT_JOB, ORDER_CANCELLED_JOB, ORDER_FACT_JOB};

/// Measures of the sales rollups.
pub mod measure {
    pub const ORDERS: &str = "orders";
    pub const GROSS: &str = "gross";
    pub const REVENUE: &str = "revenue";
    pub const CLIENTS: &str = "clients";
    pub const REFUNDS: &str = "refunds";
    pub const REFUNDED_ORDERS: &str = "refunded_orders";
    pub const DEPOSITS: &str = "deposits";
    pub const DEPOSIT_COUNT: &str = "deposit_count";
}
use measure::*;

/// How often a fact is tried against a ledger another fact of the customer keeps changing, before the job is
/// left to the queue's retry.
const RACES: u32 = 5;

platform::env!(
    /// What the facts' consumers need: the store, and the cache (an order's live sales counters).
    FactsEnv: AnalyticsEnv, platform::deps::HasCache
);

/// Applies one fact to its customer's ledger and the rollups; false when the ledger already held it.
pub async fn apply(
    ctx: &impl AnalyticsEnv,
    customer: &CustomerId,
    fact_id: &str,
    change: impl Fn(&CustomerLedger) -> CustomerLedger,
    fact_cells: &Cells,
) -> Result<bool, PortError> {
    for _ in 0..RACES {
        let read = ctx.stores().analytics.ledger(customer).await?;
        if read.ledger.facts.contains(fact_id) {
            return Ok(false);
        }
        let next = change(&read.ledger);
        let mut cells = derived_cells(&next).minus(&derived_cells(&read.ledger));
        cells.merge(fact_cells.clone());
        let moves = ledger::board_moves(&read.ledger, &next);
        let net_by_day = ledger::net_by_day(&next);
        match ctx.stores().analytics.apply(&read, &next, &cells, &moves, &net_by_day).await? {
            Applied::Done => return Ok(true),
            Applied::Raced => continue,
        }
    }
    Err(PortError::Conflict { op_index: None })
}

/// Each line's server's location, in one batched read (servers do not move, so reading them now is reading
/// them as they were).
async fn locations(ctx: &impl AnalyticsEnv, fact: &OrderFact) -> Result<HashMap<ServerId, String>, PortError> {
    let ids: Vec<ServerId> =
        fact.lines.iter().map(|l| l.server_id.clone()).collect::<BTreeSet<_>>().into_iter().collect();
    let servers = ctx.stores().catalog.servers_by_id(&ids).await?;
    Ok(servers.into_iter().map(|s| (s.id, s.location)).collect())
}

/// The order's total shared over its lines in proportion to their amounts (the order's own discount included),
/// to the cent, the rounding left on the last line: the breakdowns add up to the total.
pub fn line_shares(fact: &OrderFact) -> Vec<Decimal> {
    let sum: Decimal = fact.lines.iter().map(|l| l.total_amount).sum();
    let mut shares: Vec<Decimal> = fact
        .lines
        .iter()
        .map(|l| if sum.is_zero() { Decimal::ZERO } else { (fact.grand_amount * l.total_amount / sum).round_dp(2) })
        .collect();
    if let Some((last, rest)) = shares.split_last_mut() {
        *last = fact.grand_amount - rest.iter().copied().sum::<Decimal>();
    }
    shares
}

/// What a placed order adds (`sign` 1) or a refund records (`refund`), at `at`, per grain and dimension.
fn sale_cells(fact: &OrderFact, locations: &HashMap<ServerId, String>, at: DateTime<Utc>, refund: bool) -> Cells {
    let mut cells = Cells::default();
    let method = method_name(fact.payment_method);
    let (count, amount) = if refund { (REFUNDED_ORDERS, REFUNDS) } else { (ORDERS, GROSS) };
    for grain in [Grain::Hour, Grain::Day, Grain::Month] {
        let total = RollupKey::new(grain, Dimension::Total, at, "");
        cells.add(total.clone(), count, Decimal::ONE);
        cells.add(total.clone(), amount, fact.grand_amount);
        if !refund {
            cells.add(total, CLIENTS, fact.lines.iter().map(|l| Decimal::from(l.quantity)).sum());
        }
    }
    let line_amount = if refund { REFUNDS } else { REVENUE };
    for grain in [Grain::Hour, Grain::Day, Grain::Month] {
        let by_method = RollupKey::new(grain, Dimension::PaymentMethod, at, method);
        cells.add(by_method.clone(), count, Decimal::ONE);
        cells.add(by_method, amount, fact.grand_amount);
        // An order counts once per plan, server and location it bought from, whatever its number of lines there.
        let mut counted: BTreeSet<RollupKey> = BTreeSet::new();
        for (line, share) in fact.lines.iter().zip(line_shares(fact)) {
            let location = locations.get(&line.server_id).cloned().unwrap_or_else(|| "unknown".into());
            for (dimension, value) in [
                (Dimension::Plan, line.plan_id.as_str().to_owned()),
                (Dimension::Server, line.server_id.as_str().to_owned()),
                (Dimension::Location, location),
            ] {
                let cell = RollupKey::new(grain, dimension, at, value);
                cells.add(cell.clone(), line_amount, share);
                if !refund {
                    cells.add(cell.clone(), CLIENTS, Decimal::from(line.quantity));
                }
                if counted.insert(cell.clone()) {
                    cells.add(cell, count, Decimal::ONE);
                }
            }
        }
    }
    cells
}

pub fn method_name(method: proxy_core::domain::PaymentMethod) -> &'static str {
    use proxy_core::domain::PaymentMethod::*;
    match method {
        Wallet => "wallet",
        Stripe => "stripe",
        Paypal => "paypal",
        Nowpayments => "nowpayments",
    }
}

/// An order placed: counted once in the rollups and its customer's ledger, and its customer in the day's
/// distinct active customers.
pub async fn record_order(ctx: &impl FactsEnv, fact: &OrderFact) -> Result<bool, PortError> {
    // The register first: it only ever grows, so doing it again on a retry is harmless.
    let (register, rank) = hll::register_of(fact.customer_id.as_str());
    for grain in [Grain::Day, Grain::Month] {
        ctx.stores().analytics.raise_active_register(grain, &grain.bucket(fact.placed_at), register, rank).await?;
    }
    let locations = locations(ctx, fact).await?;
    let cells = sale_cells(fact, &locations, fact.placed_at, false);
    let applied =
        apply(ctx, &fact.customer_id, &ledger::placed_fact_id(fact), |l| ledger::with_order(l, fact), &cells).await?;
    if applied {
        crate::realtime::count_sale(ctx.cache(), fact.placed_at, fact.grand_amount).await;
    }
    Ok(applied)
}

/// An order cancelled (and refunded) at `at`.
pub async fn record_cancellation(
    ctx: &impl AnalyticsEnv,
    fact: &OrderFact,
    at: DateTime<Utc>,
) -> Result<bool, PortError> {
    let locations = locations(ctx, fact).await?;
    let cells = sale_cells(fact, &locations, at, true);
    apply(ctx, &fact.customer_id, &ledger::cancelled_fact_id(fact), |l| ledger::with_cancellation(l, fact, at), &cells)
        .await
}

pub async fn record_sign_up(ctx: &impl AnalyticsEnv, fact: &CustomerFact) -> Result<bool, PortError> {
    apply(ctx, &fact.customer_id, ledger::SIGN_UP_FACT_ID, |l| ledger::with_sign_up(l, fact), &Cells::default()).await
}

pub async fn record_deposit(ctx: &impl AnalyticsEnv, fact: &DepositFact) -> Result<bool, PortError> {
    let mut cells = Cells::default();
    for grain in [Grain::Hour, Grain::Day, Grain::Month] {
        let total = RollupKey::new(grain, Dimension::Total, fact.at, "");
        cells.add(total.clone(), DEPOSITS, fact.amount);
        cells.add(total, DEPOSIT_COUNT, Decimal::ONE);
    }
    cells.add(
        RollupKey::new(Grain::Day, Dimension::PaymentMethod, fact.at, method_name(fact.method)),
        DEPOSITS,
        fact.amount,
    );
    let id = format!("deposit:{}", fact.transaction_id);
    apply(
        ctx,
        &fact.customer_id,
        &id,
        |l| {
            let mut next = l.clone();
            next.facts.insert(id.clone());
            next
        },
        &cells,
    )
    .await
}

/// An order placed, everywhere it counts: the pricing engine's demand counters and the rollups, each once.
pub async fn count_order(ctx: &impl FactsEnv, fact: &OrderFact) -> Result<bool, PortError> {
    ctx.stores().stats.record_order(fact).await?;
    record_order(ctx, fact).await
}

/// An order cancelled at `at`: the refund in the rollups (whenever it arrives), and the sale taken back out of
/// the demand counters once it has been counted there (a conflict until then).
pub async fn uncount_order(ctx: &impl FactsEnv, fact: &OrderFact, at: DateTime<Utc>) -> Result<bool, PortError> {
    let applied = record_cancellation(ctx, fact, at).await?;
    ctx.stores().stats.withdraw_order(fact).await?;
    Ok(applied)
}

pub fn register_jobs<C: FactsEnv + Sync + 'static>(registry: &mut JobRegistry<C>) {
    registry.register(ORDER_FACT_JOB, RecordOrder);
    registry.register(ORDER_CANCELLED_JOB, RecordCancellation);
    registry.register(CUSTOMER_FACT_JOB, RecordSignUp);
    registry.register(DEPOSIT_FACT_JOB, RecordDeposit);
}

/// `analytics.order_placed`: the pricing engine's demand counters and the rollups, each once.
struct RecordOrder;

#[async_trait::async_trait]
impl<C: FactsEnv + Sync> JobHandler<C> for RecordOrder {
    /// Two guarded writes: the demand counters with their counted-once item, the rollups with the ledger.
    fn run_once(&self) -> RunOnce {
        RunOnce::ByItsEffect
    }

    async fn handle(&self, ctx: &C, job: &Job, _attempt: u32) -> Result<(), JobError> {
        count_order(ctx, &payload(job)?).await?;
        Ok(())
    }
}

/// `analytics.order_cancelled`: the refund in the rollups (whenever it arrives), and the sale taken back out of
/// the demand counters once it has been counted there (a conflict until then: the message is retried).
struct RecordCancellation;

#[async_trait::async_trait]
impl<C: FactsEnv + Sync> JobHandler<C> for RecordCancellation {
    fn run_once(&self) -> RunOnce {
        RunOnce::ByItsEffect
    }

    async fn handle(&self, ctx: &C, job: &Job, _attempt: u32) -> Result<(), JobError> {
        let fact: OrderFact = payload(job)?;
        uncount_order(ctx, &fact, fact.cancelled_at.unwrap_or(job.dispatched_at)).await?;
        Ok(())
    }
}

struct RecordSignUp;

#[async_trait::async_trait]
impl<C: FactsEnv + Sync> JobHandler<C> for RecordSignUp {
    fn run_once(&self) -> RunOnce {
        RunOnce::ByItsEffect
    }

    async fn handle(&self, ctx: &C, job: &Job, _attempt: u32) -> Result<(), JobError> {
        record_sign_up(ctx, &payload(job)?).await?;
        Ok(())
    }
}

struct RecordDeposit;

#[async_trait::async_trait]
impl<C: FactsEnv + Sync> JobHandler<C> for RecordDeposit {
    fn run_once(&self) -> RunOnce {
        RunOnce::ByItsEffect
    }

    async fn handle(&self, ctx: &C, job: &Job, _attempt: u32) -> Result<(), JobError> {
        record_deposit(ctx, &payload(job)?).await?;
        Ok(())
    }
}
