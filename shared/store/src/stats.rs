//! Daily sales counters per plan (and per server), kept by the analytics worker from order facts: the
//! pricing engine's demand factor and the analytics dashboards read these instead of scanning orders.

use super::keys;
use chrono::NaiveDate;
use proxy_core::domain::{OrderFact, PlanId, ServerId, units_per_server};
use proxy_core::error::{PortError, PortResult};
use proxy_core::ports::table::{
    Condition, Index, KeyRange, Query, SK, Table, TransactOp, Update, UpdateAction, Value, string,
};
use proxy_core::pricing::Demand;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The updates adding (`sign` 1) or taking back (`sign` -1) an order's lines on its day's counters: per plan,
/// and per server (clients sold, for the capacity forecast). One item per server and day, all in one
/// partition, so the forecast reads every server's history with one query while concurrent orders on
/// different servers never touch the same item (DynamoDB cancels one of two transactions on one item).
fn day_updates(fact: &OrderFact, sign: Decimal) -> Vec<TransactOp> {
    let day = fact.placed_at.date_naive();
    let per_server = units_per_server(&fact.lines);
    let servers: Vec<TransactOp> = per_server
        .into_iter()
        .map(|(server, clients)| {
            TransactOp::Update(Update {
                key: keys::server_day(&server, day),
                actions: vec![UpdateAction::Add("clients".into(), sign * Decimal::from(clients))],
                condition: None,
            })
        })
        .collect();
    fact.lines
        .iter()
        .map(|line| {
            TransactOp::Update(Update {
                key: keys::plan_day(&line.plan_id, day),
                actions: vec![
                    UpdateAction::Add("orders".into(), sign),
                    UpdateAction::Add("clients".into(), sign * Decimal::from(line.quantity)),
                    UpdateAction::Add("revenue".into(), sign * line.total_amount),
                    UpdateAction::Set("server_id".into(), string(line.server_id.as_str())),
                ],
                condition: None,
            })
        })
        .chain(servers)
        .collect()
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct PlanDay {
    pub orders: u64,
    pub clients: u64,
    pub revenue: Decimal,
}

#[derive(Clone)]
pub struct StatsStore {
    table: Arc<dyn Table>,
}

fn number_of(value: Option<&Value>) -> Decimal {
    match value {
        Some(Value::N(n)) => n.parse().unwrap_or_default(),
        _ => Decimal::ZERO,
    }
}

impl StatsStore {
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self { table }
    }

    /// Adds one order's lines to its day's counters, in one transaction (all lines or none) with a guard item
    /// per order, so an order is counted once however often its fact is delivered. Returns false when it was
    /// counted before.
    pub async fn record_order(&self, fact: &OrderFact) -> PortResult<bool> {
        let mut ops = day_updates(fact, Decimal::ONE);
        if ops.is_empty() {
            return Ok(true);
        }
        let guard = keys::counted_order(&fact.order_id).to_item();
        ops.push(TransactOp::Put { item: guard, condition: Some(Condition::NotExists) });
        match super::transact_with_retry(&*self.table, ops).await {
            Ok(()) => Ok(true),
            Err(PortError::Conflict { op_index: Some(_) }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Takes a cancelled order back out of its day's counters, once. It must have been counted first (facts
    /// may arrive out of order): until then this fails with a conflict on the check, and the job is retried.
    /// Returns false when it was withdrawn before.
    pub async fn withdraw_order(&self, fact: &OrderFact) -> PortResult<bool> {
        let mut ops = day_updates(fact, -Decimal::ONE);
        if ops.is_empty() {
            return Ok(true);
        }
        let lines = ops.len();
        let guard = keys::withdrawn_order(&fact.order_id).to_item();
        ops.push(TransactOp::Put { item: guard, condition: Some(Condition::NotExists) });
        ops.push(TransactOp::Check { key: keys::counted_order(&fact.order_id), condition: Condition::Exists });
        match super::transact_with_retry(&*self.table, ops).await {
            Ok(()) => Ok(true),
            Err(PortError::Conflict { op_index: Some(i) }) if i == lines => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// A plan's orders in the 7 and 30 days up to `today` (included): one query over its daily counters (at
    /// most 30 small items), never over orders.
    pub async fn demand(&self, plan: &PlanId, today: NaiveDate) -> PortResult<Demand> {
        let first = today - chrono::Days::new(29);
        let week = today - chrono::Days::new(6);
        let range = KeyRange::Between(keys::plan_day_sort(first), keys::plan_day_sort(today));
        let page = self.table.query(Query::new(Index::Primary, keys::plan_days(plan)).range(range).limit(31)).await?;
        let mut demand = Demand::default();
        for item in page.items {
            let orders: u64 = number_of(item.get("orders")).try_into().unwrap_or_default();
            let recent = matches!(item.get(SK), Some(Value::S(sk)) if *sk >= keys::plan_day_sort(week));
            demand.last_30_days += orders;
            if recent {
                demand.last_7_days += orders;
            }
        }
        Ok(demand)
    }

    /// Clients sold per server on each day of [from, to], days and servers without sales left out: one query
    /// over the servers' day items (a page per ~10,000 server-days), never one per server.
    pub async fn clients_sold_per_day(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> PortResult<BTreeMap<NaiveDate, BTreeMap<ServerId, u64>>> {
        let range =
            KeyRange::Between(keys::server_day_sort_prefix(from), format!("{}~", keys::server_day_sort_prefix(to)));
        let mut days: BTreeMap<NaiveDate, BTreeMap<ServerId, u64>> = BTreeMap::new();
        // DynamoDB ends a page at 1 MB (about 10,000 of these small items) whatever the limit: ask for that much.
        let mut query = Query::new(Index::Primary, keys::SERVERS_DAYS).range(range).limit(10_000);
        loop {
            let page = self.table.query(query.clone()).await?;
            for item in page.items {
                let Some(Value::S(sk)) = item.get(SK) else { continue };
                let Some((day, server)) = keys::parse_server_day_sort(sk) else { continue };
                let clients: u64 = number_of(item.get("clients")).try_into().unwrap_or(0);
                if clients > 0 {
                    days.entry(day).or_default().insert(server, clients);
                }
            }
            match page.next {
                Some(next) => query = query.start_after(Some(next)),
                None => return Ok(days),
            }
        }
    }

    pub async fn plan_day(&self, plan: &PlanId, day: NaiveDate) -> PortResult<PlanDay> {
        Ok(self
            .table
            .get(&keys::plan_day(plan, day))
            .await?
            .map(|item| PlanDay {
                orders: number_of(item.get("orders")).try_into().unwrap_or_default(),
                clients: number_of(item.get("clients")).try_into().unwrap_or_default(),
                revenue: number_of(item.get("revenue")),
            })
            .unwrap_or_default())
    }
}
