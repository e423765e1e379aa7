//! A customer's ledger and the figures derived from it: sign-up, first and repeat purchase, retention cohorts,
//! MRR and its movements, loyalty and country segments.
//!
//! These figures depend on the customer's whole history (a cohort is the month of the *first* order; an MRR
//! movement is "new" only if the customer never paid before), so a fact that arrives late, or twice, must not
//! be added on its own. Instead every figure is a pure function of the ledger (`derived_cells`), and applying
//! a fact writes the difference it makes: `derived_cells(after) - derived_cells(before)`. The rollups then
//! always equal the sum over customers of their ledgers' figures, whatever the order the facts came in.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use proxy_core::domain::{
    BoardMove, Cells, CustomerFact, CustomerLedger, Dimension, Grain, LedgerOrder, LoyaltyTier, OrderFact, OrderId,
    RollupKey, SignUp, month_bucket,
};
use proxy_core::pricing::PricingRules;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// Measures of the customer-level rollups.
pub mod measure {
    pub const NEW_CUSTOMERS: &str = "new_customers";
    pub const FIRST_ORDERS: &str = "first_orders";
    pub const REPEAT_CUSTOMERS: &str = "repeat_customers";
    pub const CUSTOMERS: &str = "customers";
    pub const REVENUE: &str = "revenue";
    pub const NEW: &str = "new";
    pub const EXPANSION: &str = "expansion";
    pub const CONTRACTION: &str = "contraction";
    pub const CHURN: &str = "churn";
    pub const REACTIVATION: &str = "reactivation";
    pub const NEW_COUNT: &str = "new_count";
    pub const EXPANSION_COUNT: &str = "expansion_count";
    pub const CONTRACTION_COUNT: &str = "contraction_count";
    pub const CHURN_COUNT: &str = "churn_count";
    pub const REACTIVATION_COUNT: &str = "reactivation_count";
}
use measure::*;

/// The ids under which facts are listed in a ledger.
pub fn placed_fact_id(fact: &OrderFact) -> String {
    placed_id(&fact.order_id)
}

fn placed_id(order: &OrderId) -> String {
    format!("order:{order}:placed")
}

pub fn cancelled_fact_id(fact: &OrderFact) -> String {
    format!("order:{}:cancelled", fact.order_id)
}

pub const SIGN_UP_FACT_ID: &str = "customer:created";

/// The order as the ledger keeps it (either of its facts carries all of it).
fn ledger_order(fact: &OrderFact) -> LedgerOrder {
    let months = fact.duration_months.max(1);
    let ends_at = fact.ends_at.unwrap_or_else(|| fact.placed_at + Duration::days(30 * i64::from(months)));
    LedgerOrder {
        placed_at: fact.placed_at,
        amount: fact.grand_amount,
        monthly: fact.grand_amount / Decimal::from(months),
        ends_at,
        cancelled_at: None,
    }
}

/// The customer's sales as the rollups hold them: each order's total when it was placed (once that fact is
/// applied: a cancellation can arrive first) and, negative, its refund when it was cancelled.
fn sales(ledger: &CustomerLedger) -> impl Iterator<Item = (DateTime<Utc>, Decimal)> + '_ {
    ledger.orders.iter().flat_map(|(id, order)| {
        let placed = ledger.facts.contains(&placed_id(id)).then_some((order.placed_at, order.amount));
        let refunded = order.cancelled_at.map(|at| (at, -order.amount));
        placed.into_iter().chain(refunded)
    })
}

/// The customer's net sales per day (the days where they are not zero), as the ledger item's digest keeps them.
pub fn net_by_day(ledger: &CustomerLedger) -> BTreeMap<String, Decimal> {
    net_sales_by_bucket(ledger)
        .into_iter()
        .filter(|((grain, _), net)| *grain == Grain::Day && !net.is_zero())
        .map(|((_, day), net)| (day, net))
        .collect()
}

/// The customer's net sales per day and per month.
fn net_sales_by_bucket(ledger: &CustomerLedger) -> BTreeMap<(Grain, String), Decimal> {
    let mut out: BTreeMap<(Grain, String), Decimal> = BTreeMap::new();
    for (at, amount) in sales(ledger) {
        for grain in [Grain::Day, Grain::Month] {
            *out.entry((grain, grain.bucket(at))).or_default() += amount;
        }
    }
    out
}

/// Where a fact moves the customer on the top-customer boards: each day and month whose net sales it changes.
pub fn board_moves(before: &CustomerLedger, after: &CustomerLedger) -> Vec<BoardMove> {
    let (before, after) = (net_sales_by_bucket(before), net_sales_by_bucket(after));
    let buckets: std::collections::BTreeSet<&(Grain, String)> = before.keys().chain(after.keys()).collect();
    buckets
        .into_iter()
        .filter_map(|key| {
            let (was, is) = (before.get(key).copied().unwrap_or_default(), after.get(key).copied().unwrap_or_default());
            (was != is).then(|| BoardMove { grain: key.0, bucket: key.1.clone(), before: was, after: is })
        })
        .collect()
}

/// The ledger with an order placed.
pub fn with_order(ledger: &CustomerLedger, fact: &OrderFact) -> CustomerLedger {
    let mut next = ledger.clone();
    next.facts.insert(placed_fact_id(fact));
    next.orders.entry(fact.order_id.clone()).or_insert_with(|| ledger_order(fact));
    next
}

/// The ledger with an order cancelled at `at` (the order is recorded from the cancellation's fact when its
/// placement has not arrived yet).
pub fn with_cancellation(ledger: &CustomerLedger, fact: &OrderFact, at: DateTime<Utc>) -> CustomerLedger {
    let mut next = ledger.clone();
    next.facts.insert(cancelled_fact_id(fact));
    next.orders.entry(fact.order_id.clone()).or_insert_with(|| ledger_order(fact)).cancelled_at = Some(at);
    next
}

pub fn with_sign_up(ledger: &CustomerLedger, fact: &CustomerFact) -> CustomerLedger {
    let mut next = ledger.clone();
    next.facts.insert(SIGN_UP_FACT_ID.to_owned());
    next.signed_up = Some(SignUp { at: fact.created_at, country: fact.country.clone() });
    next
}

/// The loyalty tiers at the default thresholds (the segments' tiers: a rules change does not re-file history).
static TIERS: LazyLock<Vec<(Decimal, LoyaltyTier)>> =
    LazyLock::new(|| PricingRules::default().loyalty.tiers.iter().map(|t| (t.min_paid, t.tier)).collect());

pub fn tier_of(paid: Decimal) -> LoyaltyTier {
    TIERS.iter().rev().find(|(min, _)| paid >= *min).map(|(_, tier)| *tier).unwrap_or(LoyaltyTier::Basic)
}

pub fn tier_name(tier: LoyaltyTier) -> &'static str {
    match tier {
        LoyaltyTier::Basic => "basic",
        LoyaltyTier::Bronze => "bronze",
        LoyaltyTier::Silver => "silver",
        LoyaltyTier::Gold => "gold",
    }
}

fn key(grain: Grain, dimension: Dimension, at: DateTime<Utc>, value: impl Into<String>) -> RollupKey {
    RollupKey::new(grain, dimension, at, value)
}

/// Everything a customer contributes to the rollups, from their ledger alone.
pub fn derived_cells(ledger: &CustomerLedger) -> Cells {
    let mut cells = Cells::default();
    let country = ledger.signed_up.as_ref().and_then(|s| s.country.clone()).unwrap_or_else(|| "unknown".into());
    if let Some(sign_up) = &ledger.signed_up {
        for grain in [Grain::Hour, Grain::Day, Grain::Month] {
            cells.add(key(grain, Dimension::Total, sign_up.at, ""), NEW_CUSTOMERS, Decimal::ONE);
        }
        cells.add(key(Grain::Day, Dimension::Country, sign_up.at, country.clone()), NEW_CUSTOMERS, Decimal::ONE);
    }

    // What was bought and kept: a cancelled order was refunded, so it neither makes a buyer nor a cohort.
    let mut kept: Vec<&LedgerOrder> = ledger.orders.values().filter(|o| o.cancelled_at.is_none()).collect();
    kept.sort_by_key(|o| o.placed_at);
    if let Some(first) = kept.first() {
        for grain in [Grain::Day, Grain::Month] {
            cells.add(key(grain, Dimension::Total, first.placed_at, ""), FIRST_ORDERS, Decimal::ONE);
        }
        if let Some(second) = kept.get(1) {
            for grain in [Grain::Day, Grain::Month] {
                cells.add(key(grain, Dimension::Total, second.placed_at, ""), REPEAT_CUSTOMERS, Decimal::ONE);
            }
        }
        // The cohort is the first order's month; each month with orders counts the customer once.
        let cohort = month_bucket(first.placed_at.date_naive());
        let mut months: BTreeMap<String, (DateTime<Utc>, Decimal)> = BTreeMap::new();
        for order in &kept {
            let entry =
                months.entry(month_bucket(order.placed_at.date_naive())).or_insert((order.placed_at, Decimal::ZERO));
            entry.1 += order.amount;
        }
        for (at, revenue) in months.values() {
            let cell = key(Grain::Month, Dimension::Cohort, *at, cohort.clone());
            cells.add(cell.clone(), CUSTOMERS, Decimal::ONE);
            cells.add(cell, REVENUE, *revenue);
        }
    }
    if ledger.signed_up.is_some() || !kept.is_empty() {
        let paid: Decimal = kept.iter().map(|o| o.amount).sum();
        let epoch = DateTime::<Utc>::UNIX_EPOCH;
        let tier = key(Grain::Current, Dimension::Tier, epoch, tier_name(tier_of(paid)));
        cells.add(tier.clone(), CUSTOMERS, Decimal::ONE);
        cells.add(tier, REVENUE, paid);
        let by_country = key(Grain::Current, Dimension::Country, epoch, country);
        cells.add(by_country.clone(), CUSTOMERS, Decimal::ONE);
        cells.add(by_country, REVENUE, paid);
    }
    mrr_cells(ledger, &mut cells);
    cells
}

/// A customer's MRR movements, one per day on which their MRR at the end of the day differs from the day
/// before's, classified as ChartMogul does: from nothing to something is `new` the first time and
/// `reactivation` after, something to nothing `churn`, up `expansion`, down `contraction`.
fn mrr_cells(ledger: &CustomerLedger, cells: &mut Cells) {
    // The level moves on the day an order starts (+ its monthly value) and on the day it stops (-): the days'
    // changes summed in order give the level at the end of each day, in one pass over the orders.
    let mut changes: BTreeMap<NaiveDate, Decimal> = BTreeMap::new();
    for order in ledger.orders.values() {
        let (start, stop) = (order.placed_at.date_naive(), order.stops_at().date_naive());
        *changes.entry(start).or_default() += order.monthly;
        *changes.entry(stop).or_default() -= order.monthly;
    }
    let mut paid_before = false;
    let mut before = Decimal::ZERO;
    for (day, change) in changes {
        let after = before + change;
        if after != before {
            let (kind, count, amount) = if before.is_zero() {
                if paid_before { (REACTIVATION, REACTIVATION_COUNT, after) } else { (NEW, NEW_COUNT, after) }
            } else if after.is_zero() {
                (CHURN, CHURN_COUNT, before)
            } else if after > before {
                (EXPANSION, EXPANSION_COUNT, after - before)
            } else {
                (CONTRACTION, CONTRACTION_COUNT, before - after)
            };
            let at = day.and_hms_opt(0, 0, 0).map(|t| t.and_utc()).unwrap_or_default();
            for grain in [Grain::Day, Grain::Month] {
                cells.add(key(grain, Dimension::Mrr, at, ""), kind, amount);
                cells.add(key(grain, Dimension::Mrr, at, ""), count, Decimal::ONE);
            }
        }
        paid_before |= !after.is_zero();
        before = after;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proxy_core::domain::{CustomerId, OrderId, PaymentMethod};

    fn at(s: &str) -> DateTime<Utc> {
        format!("{s}T12:00:00Z").parse().unwrap()
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn order(id: &str, placed: &str, amount: &str, months: u32, ends: &str) -> OrderFact {
        OrderFact {
            order_id: OrderId(id.into()),
            customer_id: CustomerId("alice".into()),
            placed_at: at(placed),
            grand_amount: d(amount),
            currency: "USD".into(),
            lines: vec![],
            payment_method: PaymentMethod::Wallet,
            duration_months: months,
            ends_at: Some(at(ends)),
            cancelled_at: None,
        }
    }

    fn mrr_day(cells: &Cells, day: &str) -> BTreeMap<&'static str, Decimal> {
        let key = RollupKey { grain: Grain::Day, dimension: Dimension::Mrr, bucket: day.into(), value: String::new() };
        cells.0.get(&key).cloned().unwrap_or_default()
    }

    /// The worked example: Alice buys 3 months for 300 on 1 Jan (MRR 100: new), adds a month for 50 on 10 Feb
    /// (150: expansion 50), which ends 10 Mar (100: contraction 50); the first order ends 1 Apr (0: churn 100);
    /// she comes back on 5 May with 2 months for 120 (60: reactivation), which end 5 Jul (churn 60).
    #[test]
    fn mrr_movements_follow_the_worked_example() {
        let facts = [
            order("o1", "2026-01-01", "300", 3, "2026-04-01"),
            order("o2", "2026-02-10", "50", 1, "2026-03-10"),
            order("o3", "2026-05-05", "120", 2, "2026-07-05"),
        ];
        let ledger = facts.iter().fold(CustomerLedger::default(), |l, f| with_order(&l, f));
        let cells = derived_cells(&ledger);
        let expect = |day: &str, kind: &'static str, count: &'static str, amount: &str| {
            let moved = mrr_day(&cells, day);
            assert_eq!(moved.get(kind), Some(&d(amount)), "{day} {kind}: {moved:?}");
            assert_eq!(moved.get(count), Some(&Decimal::ONE), "{day} {count}");
            assert_eq!(moved.len(), 2, "{day}: one movement only: {moved:?}");
        };
        expect("2026-01-01", NEW, NEW_COUNT, "100");
        expect("2026-02-10", EXPANSION, EXPANSION_COUNT, "50");
        expect("2026-03-10", CONTRACTION, CONTRACTION_COUNT, "50");
        expect("2026-04-01", CHURN, CHURN_COUNT, "100");
        expect("2026-05-05", REACTIVATION, REACTIVATION_COUNT, "60");
        expect("2026-07-05", CHURN, CHURN_COUNT, "60");
        // Months add their days' movements: January's new 100, and so on.
        let month = |m: &str| {
            let key =
                RollupKey { grain: Grain::Month, dimension: Dimension::Mrr, bucket: m.into(), value: String::new() };
            cells.0.get(&key).cloned().unwrap_or_default()
        };
        assert_eq!(month("2026-03").get(CONTRACTION), Some(&d("50")));
        assert_eq!(month("2026-07").get(CHURN), Some(&d("60")));
    }

    #[test]
    fn an_order_cancelled_the_day_it_was_placed_moves_nothing_and_makes_no_buyer() {
        let fact = order("o1", "2026-01-01", "100", 1, "2026-02-01");
        let ledger = with_cancellation(&CustomerLedger::default(), &fact, at("2026-01-01"));
        let cells = derived_cells(&ledger);
        assert!(mrr_day(&cells, "2026-01-01").is_empty());
        assert!(cells.0.keys().all(|k| k.dimension != Dimension::Cohort));
        // Cancelled a week later: a week of MRR, new then churn.
        let ledger = with_cancellation(&CustomerLedger::default(), &fact, at("2026-01-08"));
        let cells = derived_cells(&ledger);
        assert_eq!(mrr_day(&cells, "2026-01-01").get(NEW), Some(&d("100")));
        assert_eq!(mrr_day(&cells, "2026-01-08").get(CHURN), Some(&d("100")));
    }

    /// Whatever the order facts come in, the sum of the differences each made is the final ledger's figures.
    #[test]
    fn facts_in_any_order_leave_the_same_figures() {
        let o1 = order("o1", "2026-01-01", "300", 3, "2026-04-01");
        let o2 = order("o2", "2026-02-10", "50", 1, "2026-03-10");
        let sign_up = CustomerFact {
            customer_id: CustomerId("alice".into()),
            created_at: at("2025-12-30"),
            country: Some("FR".into()),
        };
        type Step = Box<dyn Fn(&CustomerLedger) -> CustomerLedger>;
        let steps: Vec<(&str, Step)> = vec![
            (
                "o1",
                Box::new({
                    let f = o1.clone();
                    move |l| with_order(l, &f)
                }),
            ),
            (
                "o2",
                Box::new({
                    let f = o2.clone();
                    move |l| with_order(l, &f)
                }),
            ),
            (
                "cancel o2",
                Box::new({
                    let f = o2.clone();
                    move |l| with_cancellation(l, &f, at("2026-02-20"))
                }),
            ),
            (
                "sign-up",
                Box::new({
                    let f = sign_up.clone();
                    move |l| with_sign_up(l, &f)
                }),
            ),
        ];
        let orders_of_steps = [[0, 1, 2, 3], [2, 1, 0, 3], [3, 2, 0, 1], [1, 3, 2, 0]];
        let mut results = Vec::new();
        for order in orders_of_steps {
            let mut ledger = CustomerLedger::default();
            let mut posted = Cells::default();
            for i in order {
                let next = steps[i].1(&ledger);
                posted.merge(derived_cells(&next).minus(&derived_cells(&ledger)));
                ledger = next;
            }
            assert_eq!(posted, derived_cells(&ledger), "{order:?}");
            results.push(posted);
        }
        assert!(results.windows(2).all(|w| w[0] == w[1]));
        let cells = &results[0];
        // o2 cancelled: expansion on 10 Feb, contraction on 20 Feb; the cohort is January's, one customer.
        assert_eq!(mrr_day(cells, "2026-02-20").get(CONTRACTION), Some(&d("50")));
        let cohort = RollupKey {
            grain: Grain::Month,
            dimension: Dimension::Cohort,
            bucket: "2026-01".into(),
            value: "2026-01".into(),
        };
        assert_eq!(cells.0[&cohort].get(CUSTOMERS), Some(&Decimal::ONE));
        assert_eq!(cells.0[&cohort].get(REVENUE), Some(&d("300")));
        let tier = RollupKey {
            grain: Grain::Current,
            dimension: Dimension::Tier,
            bucket: String::new(),
            value: "bronze".into(),
        };
        assert_eq!(cells.0[&tier].get(REVENUE), Some(&d("300")));
    }
}
