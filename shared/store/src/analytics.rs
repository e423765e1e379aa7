//! The analytics rollups and each customer's ledger of facts (`docs/dynamodb-key-design.md`).
//!
//! A rollup is one item per grain, dimension, bucket and value (`AN#D#plan` / `2026-11-30#plan-1`), its measures
//! numbers added to atomically; a range of buckets is one query, so reading a year costs the same at 10 k
//! orders as at 1 M. A fact moves its cells in one transaction with its customer's ledger, conditioned on the
//! ledger's version: a fact is applied once (the ledger lists the facts it holds) and two facts of one customer
//! never interleave.

use super::keys;
use chrono::{DateTime, Timelike, Utc};
use proxy_core::domain::{
    BoardMove, Cells, CustomerId, CustomerLedger, Dimension, Grain, HOURLY_KEEP_DAYS, Rollup, RollupKey,
    VersionedLedger,
};
use proxy_core::error::{Backend, PortError, PortResult};
use proxy_core::ports::table::{
    Condition, Index, Item, KeyRange, PK, Query, SK, TTL, Table, TransactOp, Update, UpdateAction, Value, number,
    string,
};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::sync::Arc;

/// DynamoDB's limit on a transaction's items.
const MAX_TRANSACTION_ITEMS: usize = 100;

/// The registers of a day's HyperLogLog of active customers (2^9: about 4.6 % error, exact enough for a few
/// hundred customers and a 600-byte item per day).
pub const ACTIVE_REGISTERS: u32 = 512;

#[derive(Clone)]
pub struct AnalyticsStore {
    table: Arc<dyn Table>,
}

/// How applying a fact ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    Done,
    /// Another fact of the customer was applied since the ledger was read: read it again and retry.
    Raced,
}

impl AnalyticsStore {
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self { table }
    }

    /// A customer's ledger (empty, version 0, when none is stored).
    pub async fn ledger(&self, customer: &CustomerId) -> PortResult<VersionedLedger> {
        match self.table.get(&keys::analytics_ledger(customer)).await? {
            Some(item) => parse_ledger(customer, &item),
            None => Ok(VersionedLedger::empty(customer.clone())),
        }
    }

    /// Several customers' net sales per day (`YYYY-MM-DD`), as their ledgers last recorded them, in batches: a
    /// compact attribute beside the ledger, so that the ledger itself (tens of KB for a big customer) is not
    /// parsed. Customers without a ledger are left out.
    pub async fn net_by_day(
        &self,
        customers: &[CustomerId],
    ) -> PortResult<Vec<(CustomerId, BTreeMap<String, Decimal>)>> {
        let keys: Vec<_> = customers.iter().map(keys::analytics_ledger).collect();
        let by_key: BTreeMap<String, &CustomerId> =
            customers.iter().map(|customer| (keys::analytics_ledger(customer).pk, customer)).collect();
        let mut out = Vec::new();
        for item in self.table.get_many(&keys).await? {
            let Some(Value::S(pk)) = item.get(PK) else { continue };
            let Some(customer) = by_key.get(pk) else { continue };
            let mut days = BTreeMap::new();
            if let Some(Value::S(digest)) = item.get(NET_DAYS) {
                for entry in digest.split(';').filter(|e| !e.is_empty()) {
                    let parsed = entry.split_once('=').and_then(|(day, net)| Some((day.to_owned(), net.parse().ok()?)));
                    let Some((day, net)) = parsed else {
                        return Err(PortError::corrupt(Backend::Store, "a ledger's net sales per day"));
                    };
                    days.insert(day, net);
                }
            }
            out.push(((*customer).clone(), days));
        }
        Ok(out)
    }

    /// The `depth` customers with the largest net sales in a day's or month's bucket, largest first, and
    /// whether that is everyone with sales there (fewer than `depth` listed).
    pub async fn top_of_board(
        &self,
        grain: Grain,
        bucket: &str,
        depth: usize,
    ) -> PortResult<(Vec<(CustomerId, Decimal)>, bool)> {
        let query = Query::new(Index::Primary, keys::top_board(grain, bucket)).descending().limit(depth);
        let page = self.table.query(query).await?;
        let mut listed = Vec::with_capacity(page.items.len());
        for item in &page.items {
            let (Some(Value::S(customer)), Some(Value::N(net))) = (item.get("customer"), item.get("net")) else {
                return Err(PortError::corrupt(Backend::Store, "a board entry without its customer or net"));
            };
            let net = net.parse().map_err(|_| PortError::corrupt(Backend::Store, "a board entry's net"))?;
            listed.push((CustomerId(customer.clone()), net));
        }
        let everyone = listed.len() < depth;
        Ok((listed, everyone))
    }

    /// Writes the customer's new ledger and adds `cells` to the rollups, all or nothing, provided the ledger is
    /// still at the version `read` was read at.
    pub async fn apply(
        &self,
        read: &VersionedLedger,
        ledger: &CustomerLedger,
        cells: &Cells,
        moves: &[BoardMove],
        net_by_day: &BTreeMap<String, Decimal>,
    ) -> PortResult<Applied> {
        let json = serde_json::to_string(ledger).map_err(|e| PortError::corrupt(Backend::Store, e))?;
        let mut item = keys::analytics_ledger(&read.customer_id).to_item();
        item.insert("version".into(), number(read.version + 1));
        item.insert("ledger".into(), string(json));
        let digest: Vec<String> = net_by_day.iter().map(|(day, net)| format!("{day}={net}")).collect();
        item.insert(NET_DAYS.into(), string(digest.join(";")));
        let condition = if read.version == 0 {
            Condition::NotExists
        } else {
            Condition::AttributeEquals("version".into(), number(read.version))
        };
        let mut ops = vec![TransactOp::Put { item, condition: Some(condition) }];
        ops.extend(cell_updates(cells));
        ops.extend(board_moves(&read.customer_id, moves));
        if ops.len() > MAX_TRANSACTION_ITEMS {
            return Err(PortError::Invalid {
                backend: Backend::Store,
                detail: format!("a fact moves {} rollup items, more than a transaction holds", ops.len() - 1),
            });
        }
        match super::transact_with_retry(&*self.table, ops).await {
            Ok(()) => Ok(Applied::Done),
            Err(PortError::Conflict { op_index: Some(0) }) => Ok(Applied::Raced),
            Err(e) => Err(e),
        }
    }

    /// The rollups of a grain and dimension whose buckets lie in [from, to] (bucket strings, `to` included),
    /// every value of each: one query (paged past 1 MB).
    pub async fn rollups(&self, grain: Grain, dimension: Dimension, from: &str, to: &str) -> PortResult<Vec<Rollup>> {
        self.read_rollups(grain, dimension, from, to, false).await
    }

    /// `rollups`, reading what was just written (the roll-up sums the hours it has just copied).
    pub async fn rollups_just_written(
        &self,
        grain: Grain,
        dimension: Dimension,
        from: &str,
        to: &str,
    ) -> PortResult<Vec<Rollup>> {
        self.read_rollups(grain, dimension, from, to, true).await
    }

    async fn read_rollups(
        &self,
        grain: Grain,
        dimension: Dimension,
        from: &str,
        to: &str,
        consistent: bool,
    ) -> PortResult<Vec<Rollup>> {
        // `$` sorts right after `#`: every `<to>#<value>` is below it, whatever the value's characters.
        let range = KeyRange::Between(format!("{from}#"), format!("{to}$"));
        let query = Query::new(Index::Primary, keys::rollup_partition(grain, dimension)).range(range).limit(1000);
        let query = if consistent { query.consistent() } else { query };
        let mut out = Vec::new();
        let mut cursor = None;
        loop {
            let page = self.table.query(query.clone().start_after(cursor)).await?;
            for item in page.items {
                let Some(Value::S(sk)) = item.get(SK) else { continue };
                let Some((bucket, value)) = sk.split_once('#') else { continue };
                let measures = item
                    .iter()
                    .filter(|(name, _)| !matches!(name.as_str(), "pk" | "sk" | "ttl"))
                    .filter_map(|(name, v)| match v {
                        Value::N(n) => n.parse::<Decimal>().ok().map(|d| (name.clone(), d)),
                        _ => None,
                    })
                    .collect();
                out.push(Rollup { bucket: bucket.to_owned(), value: value.to_owned(), measures });
            }
            match page.next {
                Some(next) => cursor = Some(next),
                None => return Ok(out),
            }
        }
    }

    /// Writes a rollup item whole (a copy of counters kept elsewhere, or a sum recomputed from smaller buckets):
    /// writing it again with the same measures changes nothing. With `growing`, only when that measure goes up
    /// (a counter in the cache only grows: a lower copy is one whose counters were evicted, and it must not
    /// replace what was copied before); false when it was not written for that reason.
    pub async fn put_rollup(
        &self,
        key: &RollupKey,
        measures: &BTreeMap<String, Decimal>,
        growing: Option<&str>,
    ) -> PortResult<bool> {
        let mut item = keys::rollup(key).to_item();
        for (measure, value) in measures {
            item.insert(measure.clone(), number(value));
        }
        if let Some(expires) = hour_expiry(key) {
            item.insert(TTL.into(), number(expires));
        }
        let condition = growing.map(|measure| {
            let value = measures.get(measure).copied().unwrap_or_default();
            Condition::Or(vec![
                Condition::AttributeMissing(measure.to_owned()),
                Condition::LessThan(measure.to_owned(), value),
            ])
        });
        match self.table.put(item, condition).await {
            Ok(()) => Ok(true),
            Err(PortError::Conflict { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Sets one measure of a rollup item, leaving its others (the quotes priced, on the sales totals).
    pub async fn set_measure(&self, key: &RollupKey, measure: &str, value: Decimal) -> PortResult<()> {
        let mut actions = vec![UpdateAction::Set(measure.to_owned(), number(value))];
        if let Some(expires) = hour_expiry(key) {
            actions.push(UpdateAction::Set(TTL.into(), number(expires)));
        }
        self.table.update(Update { key: keys::rollup(key), actions, condition: None }).await.map(|_| ())
    }

    /// Records one 5-minute health check's outcome in its hour's item (`m<minute>`: 2 healthy, 1 degraded, 0
    /// critical); a retried run writes the same attribute again.
    pub async fn record_check(&self, at: DateTime<Utc>, outcome: u8) -> PortResult<()> {
        let key = RollupKey::new(Grain::Hour, Dimension::Health, at, "");
        let mut actions = vec![UpdateAction::Set(format!("m{:02}", at.minute()), number(outcome))];
        if let Some(expires) = hour_expiry(&key) {
            actions.push(UpdateAction::Set(TTL.into(), number(expires)));
        }
        self.table.update(Update { key: keys::rollup(&key), actions, condition: None }).await.map(|_| ())
    }

    /// Raises one register of a day's or a month's HyperLogLog of active customers to `rank` (a register only
    /// grows, so this is idempotent and order-free); false when it was already that high.
    pub async fn raise_active_register(&self, grain: Grain, bucket: &str, register: u32, rank: u8) -> PortResult<bool> {
        let name = format!("r{register}");
        let update = Update {
            key: keys::active(grain, bucket),
            // `raises` tells `pack_active` whether a register moved since it read them.
            actions: vec![
                UpdateAction::Set(name.clone(), number(rank)),
                UpdateAction::Add(RAISES.into(), Decimal::ONE),
            ],
            condition: Some(Condition::Or(vec![
                Condition::AttributeMissing(name.clone()),
                Condition::LessThan(name, Decimal::from(rank)),
            ])),
        };
        match self.table.update(update).await {
            Ok(_) => Ok(true),
            Err(PortError::Conflict { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Folds a closed day's or month's registers, one attribute each, into one `packed` attribute (a character
    /// per register), so reading it costs the same however many customers it saw. Conditioned on no register
    /// having risen since they were read (a late fact's raise is then folded by the next run, or read loose);
    /// false when there was nothing loose to fold or a raise kept racing it.
    pub async fn pack_active(&self, grain: Grain, bucket: &str) -> PortResult<bool> {
        const RACES: usize = 3;
        let key = keys::active(grain, bucket);
        for _ in 0..RACES {
            let Some(item) = self.table.get(&key).await? else { return Ok(false) };
            if !item.keys().any(|name| loose_register(name).is_some()) {
                return Ok(false);
            }
            let mut registers = vec![0u8; ACTIVE_REGISTERS as usize];
            merge_registers(&item, &mut registers);
            let mut packed = key.to_item();
            packed.insert(PACKED.into(), string(registers.iter().map(|r| char::from(b'0' + *r)).collect::<String>()));
            let condition = match item.get(RAISES) {
                Some(raises) => {
                    packed.insert(RAISES.into(), raises.clone());
                    Condition::AttributeEquals(RAISES.into(), raises.clone())
                }
                None => Condition::And(vec![Condition::Exists, Condition::AttributeMissing(RAISES.into())]),
            };
            match self.table.put(packed, Some(condition)).await {
                Ok(()) => return Ok(true),
                Err(PortError::Conflict { .. }) => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(false)
    }

    /// The HyperLogLog registers of the days or months [from, to] (bucket strings), merged (the highest rank
    /// per register): one query.
    pub async fn active_registers(&self, grain: Grain, from: &str, to: &str) -> PortResult<Vec<u8>> {
        let range = KeyRange::Between(from.to_owned(), format!("{to}~"));
        let query = Query::new(Index::Primary, keys::active_partition(grain)).range(range).limit(1000);
        let mut registers = vec![0u8; ACTIVE_REGISTERS as usize];
        let mut cursor = None;
        loop {
            let page = self.table.query(query.clone().start_after(cursor)).await?;
            for item in page.items {
                merge_registers(&item, &mut registers);
            }
            match page.next {
                Some(next) => cursor = Some(next),
                None => return Ok(registers),
            }
        }
    }
}

fn parse_ledger(customer: &CustomerId, item: &Item) -> PortResult<VersionedLedger> {
    let version = match item.get("version") {
        Some(Value::N(n)) => n.parse().map_err(|_| PortError::corrupt(Backend::Store, "ledger version"))?,
        _ => return Err(PortError::corrupt(Backend::Store, "ledger without a version")),
    };
    let ledger: CustomerLedger = match item.get("ledger") {
        Some(Value::S(json)) => {
            serde_json::from_str(json).map_err(|e| PortError::corrupt(Backend::Store, format!("ledger: {e}")))?
        }
        _ => return Err(PortError::corrupt(Backend::Store, "ledger without its facts")),
    };
    Ok(VersionedLedger { customer_id: customer.clone(), version, ledger })
}

/// A ledger item's digest of the customer's net sales per day (`2026-11-30=12.50;...`).
const NET_DAYS: &str = "net_days";
/// A HyperLogLog item's count of register raises (see `pack_active`).
const RAISES: &str = "raises";
/// A packed HyperLogLog item's registers: one character per register, `'0'` plus its rank.
const PACKED: &str = "packed";

/// The register a loose register attribute (`r<index>`) holds.
fn loose_register(name: &str) -> Option<usize> {
    name.strip_prefix('r').and_then(|index| index.parse().ok())
}

/// Raises `registers` to what a stored HyperLogLog item holds, packed and loose.
fn merge_registers(item: &Item, registers: &mut [u8]) {
    if let Some(Value::S(packed)) = item.get(PACKED) {
        for (register, rank) in registers.iter_mut().zip(packed.bytes()) {
            *register = (*register).max(rank.saturating_sub(b'0'));
        }
    }
    for (name, value) in item {
        let (Some(index), Value::N(n)) = (loose_register(name), value) else { continue };
        let (Some(register), Ok(rank)) = (registers.get_mut(index), n.parse::<u8>()) else { continue };
        *register = (*register).max(rank);
    }
}

/// When an hourly item expires: `HOURLY_KEEP_DAYS` after its hour (a late fact's old hour lives as long as its
/// peers). None for the other grains, kept for good.
fn hour_expiry(key: &RollupKey) -> Option<i64> {
    if key.grain != Grain::Hour {
        return None;
    }
    let hour_start = chrono::NaiveDateTime::parse_from_str(&format!("{}:00", key.bucket), "%Y-%m-%dT%H:%M").ok()?;
    Some((hour_start.and_utc() + chrono::Duration::days(HOURLY_KEEP_DAYS)).timestamp())
}

/// A customer's moves on the boards: off the place its old net held, onto the one its new net holds.
fn board_moves<'a>(customer: &'a CustomerId, moves: &'a [BoardMove]) -> impl Iterator<Item = TransactOp> + 'a {
    moves.iter().filter(|m| m.before != m.after).flat_map(move |m| {
        let off = (!m.before.is_zero()).then(|| TransactOp::Delete {
            key: keys::top_board_entry(m.grain, &m.bucket, m.before, customer),
            condition: None,
        });
        let on = (!m.after.is_zero()).then(|| {
            let mut item = keys::top_board_entry(m.grain, &m.bucket, m.after, customer).to_item();
            item.insert("customer".into(), string(customer.as_str()));
            item.insert("net".into(), number(m.after));
            TransactOp::Put { item, condition: None }
        });
        off.into_iter().chain(on)
    })
}

/// One update per rollup item, each measure an atomic add; hourly items expire after `HOURLY_KEEP_DAYS`.
fn cell_updates(cells: &Cells) -> Vec<TransactOp> {
    cells
        .0
        .iter()
        .map(|(key, measures)| {
            let mut actions: Vec<UpdateAction> =
                measures.iter().map(|(measure, amount)| UpdateAction::Add((*measure).to_owned(), *amount)).collect();
            if let Some(expires) = hour_expiry(key) {
                actions.push(UpdateAction::Set(TTL.into(), number(expires)));
            }
            TransactOp::Update(Update { key: keys::rollup(key), actions, condition: None })
        })
        .collect()
}
