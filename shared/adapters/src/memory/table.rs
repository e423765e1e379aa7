use super::conditions::{apply, holds};
use async_trait::async_trait;
use proxy_core::clock::Clock;
use proxy_core::error::{Backend, PortError, PortResult};
use proxy_core::ports::table::{
    Condition, Cursor, Index, Item, Key, KeyRange, MAX_TRANSACT_ITEMS, Page, Query, Table, TableFigures, TransactOp,
    Update, Value, is_expired, item_size,
};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::ops::Bound;
use std::sync::{Arc, Mutex};

/// Position of an item within an index: (index sort key, base key). Ties on the index sort key are broken by
/// the base key so pagination is stable.
type IndexEntry = (String, Key);

#[derive(Default)]
struct State {
    items: BTreeMap<Key, Item>,
    /// Secondary indexes: partition value -> ordered entries. Maintained on every write, so queries never scan.
    indexes: HashMap<Index, HashMap<String, BTreeSet<IndexEntry>>>,
}

impl State {
    fn index_position(index: Index, item: &Item) -> Option<(String, String)> {
        let (pk_attr, sk_attr) = index.key_attributes();
        match (item.get(pk_attr), item.get(sk_attr)) {
            (Some(Value::S(p)), Some(Value::S(s))) => Some((p.clone(), s.clone())),
            _ => None,
        }
    }

    fn unindex(&mut self, key: &Key) {
        let Some(old) = self.items.get(key) else {
            return;
        };
        for index in Index::SECONDARY {
            if let Some((partition, sort)) = Self::index_position(index, old) {
                let entries = self.indexes.entry(index).or_default();
                if let Some(set) = entries.get_mut(&partition) {
                    set.remove(&(sort, key.clone()));
                    if set.is_empty() {
                        entries.remove(&partition);
                    }
                }
            }
        }
    }

    fn write(&mut self, key: Key, item: Item) {
        self.unindex(&key);
        for index in Index::SECONDARY {
            if let Some((partition, sort)) = Self::index_position(index, &item) {
                self.indexes.entry(index).or_default().entry(partition).or_default().insert((sort, key.clone()));
            }
        }
        self.items.insert(key, item);
    }

    fn remove(&mut self, key: &Key) {
        self.unindex(key);
        self.items.remove(key);
    }

    fn live(&self, key: &Key, now: i64) -> Option<&Item> {
        self.items.get(key).filter(|i| !is_expired(i, now))
    }

    fn check(&self, key: &Key, condition: Option<&Condition>, now: i64) -> bool {
        condition.is_none_or(|c| holds(c, self.live(key, now), self.items.get(key)))
    }
}

/// The in-memory table: the embedded default backend.
pub struct MemoryTable {
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
}

impl MemoryTable {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self { clock, state: Mutex::new(State::default()) }
    }

    fn now(&self) -> i64 {
        self.clock.now().timestamp()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave a half-applied write (writes are single inserts after all
        // checks), so a poisoned lock is safe to keep using.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn key_of(item: &Item) -> PortResult<Key> {
    Key::of(item).ok_or_else(|| PortError::Invalid { backend: Backend::Store, detail: "item without pk/sk".into() })
}

fn in_range(range: &KeyRange, sort: &str) -> bool {
    match range {
        KeyRange::All => true,
        KeyRange::BeginsWith(prefix) => sort.starts_with(prefix.as_str()),
        KeyRange::Between(lo, hi) => sort >= lo.as_str() && sort <= hi.as_str(),
        KeyRange::Before(hi) => sort < hi.as_str(),
        KeyRange::After(lo) => sort > lo.as_str(),
    }
}

/// The sort keys a range allows, as bounds (a prefix's upper end is checked position by position).
fn sort_bounds(range: &KeyRange) -> (Bound<String>, Bound<String>) {
    match range {
        KeyRange::All => (Bound::Unbounded, Bound::Unbounded),
        // Every key of the table is ASCII: nothing that starts with the prefix sorts after it followed by the
        // highest character.
        KeyRange::BeginsWith(prefix) => {
            (Bound::Included(prefix.clone()), Bound::Excluded(format!("{prefix}\u{10FFFF}")))
        }
        KeyRange::Between(lo, hi) => (Bound::Included(lo.clone()), Bound::Included(hi.clone())),
        KeyRange::Before(hi) => (Bound::Unbounded, Bound::Excluded(hi.clone())),
        KeyRange::After(lo) => (Bound::Excluded(lo.clone()), Bound::Unbounded),
    }
}

/// The lower bound no lower than `sort` (included: ties with a cursor are sorted out by their keys).
fn raise_lower(lower: Bound<String>, sort: &str) -> Bound<String> {
    match &lower {
        Bound::Included(s) | Bound::Excluded(s) if s.as_str() > sort => lower,
        Bound::Excluded(s) if s == sort => lower,
        _ => Bound::Included(sort.to_owned()),
    }
}

/// The upper bound no higher than `sort` (included, as in `raise_lower`).
fn lower_upper(upper: Bound<String>, sort: &str) -> Bound<String> {
    match &upper {
        Bound::Included(s) | Bound::Excluded(s) if s.as_str() < sort => upper,
        Bound::Excluded(s) if s == sort => upper,
        _ => Bound::Included(sort.to_owned()),
    }
}

/// Whether no sort key lies between the bounds (a `BTreeMap` range would panic on them).
fn is_empty(lower: &Bound<String>, upper: &Bound<String>) -> bool {
    match (lower, upper) {
        (Bound::Included(lo), Bound::Included(hi)) => lo > hi,
        (Bound::Included(lo) | Bound::Excluded(lo), Bound::Included(hi) | Bound::Excluded(hi)) => lo >= hi,
        _ => false,
    }
}

#[async_trait]
impl Table for MemoryTable {
    async fn get(&self, key: &Key) -> PortResult<Option<Item>> {
        let now = self.now();
        Ok(self.state().live(key, now).cloned())
    }

    async fn get_many(&self, keys: &[Key]) -> PortResult<Vec<Item>> {
        let now = self.now();
        let state = self.state();
        Ok(keys.iter().filter_map(|k| state.live(k, now).cloned()).collect())
    }

    async fn put(&self, item: Item, condition: Option<Condition>) -> PortResult<()> {
        let key = key_of(&item)?;
        let now = self.now();
        let mut state = self.state();
        if !state.check(&key, condition.as_ref(), now) {
            return Err(PortError::Conflict { op_index: None });
        }
        state.write(key, item);
        Ok(())
    }

    async fn update(&self, update: Update) -> PortResult<Item> {
        let now = self.now();
        let mut state = self.state();
        if !state.check(&update.key, update.condition.as_ref(), now) {
            return Err(PortError::Conflict { op_index: None });
        }
        let item = apply(&update.key, state.items.get(&update.key), &update.actions)?;
        state.write(update.key, item.clone());
        Ok(item)
    }

    async fn delete(&self, key: &Key, condition: Option<Condition>) -> PortResult<()> {
        let now = self.now();
        let mut state = self.state();
        if !state.check(key, condition.as_ref(), now) {
            return Err(PortError::Conflict { op_index: None });
        }
        state.remove(key);
        Ok(())
    }

    async fn transact(&self, ops: Vec<TransactOp>) -> PortResult<()> {
        if ops.is_empty() || ops.len() > MAX_TRANSACT_ITEMS {
            return Err(PortError::Invalid {
                backend: Backend::Store,
                detail: format!("a transaction holds 1..={MAX_TRANSACT_ITEMS} operations, not {}", ops.len()),
            });
        }
        let now = self.now();
        let mut state = self.state();
        // Like DynamoDB: one operation per item, every condition checked before anything is written.
        let mut seen = HashSet::new();
        for (index, op) in ops.iter().enumerate() {
            let (key, condition) = match op {
                TransactOp::Put { item, condition } => (key_of(item)?, condition.as_ref()),
                TransactOp::Update(u) => (u.key.clone(), u.condition.as_ref()),
                TransactOp::Delete { key, condition } => (key.clone(), condition.as_ref()),
                TransactOp::Check { key, condition } => (key.clone(), Some(condition)),
            };
            if !state.check(&key, condition, now) {
                return Err(PortError::Conflict { op_index: Some(index) });
            }
            if !seen.insert(key) {
                return Err(PortError::Invalid {
                    backend: Backend::Store,
                    detail: "a transaction cannot touch one item twice".into(),
                });
            }
        }
        // Every write is worked out before any is made: an update that cannot apply fails the whole transaction.
        let mut writes: Vec<(Key, Option<Item>)> = Vec::new();
        for op in ops {
            match op {
                TransactOp::Put { item, .. } => writes.push((key_of(&item)?, Some(item))),
                TransactOp::Update(u) => {
                    let item = apply(&u.key, state.items.get(&u.key), &u.actions)?;
                    writes.push((u.key, Some(item)));
                }
                TransactOp::Delete { key, .. } => writes.push((key, None)),
                TransactOp::Check { .. } => {}
            }
        }
        for (key, item) in writes {
            match item {
                Some(item) => state.write(key, item),
                None => state.remove(&key),
            }
        }
        Ok(())
    }

    async fn query(&self, query: Query) -> PortResult<Page> {
        let now = self.now();
        let state = self.state();
        let cursor_position = query.start_after.as_ref().and_then(|Cursor(c)| {
            let key = Key::of(c)?;
            let sort = match query.index {
                Index::Primary => key.sk.clone(),
                index => State::index_position(index, c)?.1,
            };
            Some((sort, key))
        });
        // Only the positions in the range and past the cursor are visited, read from the ordered maps: a query
        // costs what it returns, as DynamoDB's does, not the size of its partition.
        let (mut lower, mut upper) = sort_bounds(&query.range);
        match (&cursor_position, query.ascending) {
            (Some((sort, _)), true) => lower = raise_lower(lower, sort),
            (Some((sort, _)), false) => upper = lower_upper(upper, sort),
            _ => {}
        }
        if is_empty(&lower, &upper) {
            return Ok(Page { items: Vec::new(), next: None });
        }
        let partition = &query.partition;
        // Each position with its item when the walk already has it (the base table), else looked up (an index).
        let positions: Box<dyn Iterator<Item = (&str, &Key, Option<&Item>)> + '_> = match query.index {
            Index::Primary => {
                let to_key = |bound: &Bound<String>| match bound {
                    Bound::Included(s) => Bound::Included(Key::new(partition.clone(), s.clone())),
                    Bound::Excluded(s) => Bound::Excluded(Key::new(partition.clone(), s.clone())),
                    Bound::Unbounded => Bound::Unbounded,
                };
                let start = match &lower {
                    Bound::Unbounded => Bound::Included(Key::new(partition.clone(), String::new())),
                    bound => to_key(bound),
                };
                // Past the partition: the next partition key up starts at the partition's followed by NUL.
                let end = match &upper {
                    Bound::Unbounded => Bound::Excluded(Key::new(format!("{partition}\0"), String::new())),
                    bound => to_key(bound),
                };
                let range = state.items.range((start, end)).map(|(k, item)| (k.sk.as_str(), k, Some(item)));
                let in_partition = move |(_, k, _): &(&str, &Key, Option<&Item>)| k.pk == *partition;
                if query.ascending {
                    Box::new(range.take_while(in_partition))
                } else {
                    Box::new(range.rev().filter(in_partition))
                }
            }
            index => match state.indexes.get(&index).and_then(|partitions| partitions.get(partition)) {
                None => Box::new(std::iter::empty()),
                Some(set) => {
                    let lowest = || Key::new(String::new(), String::new());
                    let start = match &lower {
                        Bound::Included(s) => Bound::Included((s.clone(), lowest())),
                        Bound::Excluded(s) => Bound::Included((format!("{s}\0"), lowest())),
                        Bound::Unbounded => Bound::Unbounded,
                    };
                    let end = match &upper {
                        Bound::Included(s) => Bound::Excluded((format!("{s}\0"), lowest())),
                        Bound::Excluded(s) => Bound::Excluded((s.clone(), lowest())),
                        Bound::Unbounded => Bound::Unbounded,
                    };
                    let range = set.range((start, end)).map(|(s, k)| (s.as_str(), k, None));
                    if query.ascending { Box::new(range) } else { Box::new(range.rev()) }
                }
            },
        };
        let mut items = Vec::new();
        let mut last = None;
        let mut more = false;
        for (sort, key, found) in positions {
            if !in_range(&query.range, sort) {
                // Past a prefix's positions (ascending) there are no more; descending, they come later.
                if query.ascending {
                    break;
                }
                continue;
            }
            // Ties with the cursor's sort key: only those after it (in the query's direction) are next.
            if let Some((cursor_sort, cursor_key)) = &cursor_position
                && sort == cursor_sort
            {
                let after = if query.ascending { key > cursor_key } else { key < cursor_key };
                if !after {
                    continue;
                }
            }
            if items.len() == query.limit {
                more = true;
                break;
            }
            if let Some(item) = found.or_else(|| state.items.get(key)) {
                last = Some(item);
                if is_expired(item, now) == query.expired {
                    items.push(item.clone());
                }
            }
        }
        let next = if more { last.map(|i| Cursor(cursor_of(query.index, i))) } else { None };
        Ok(Page { items, next })
    }

    async fn ping(&self) -> PortResult<()> {
        drop(self.state());
        Ok(())
    }

    /// The in-memory table never throttles.
    fn take_throttled(&self) -> u64 {
        0
    }

    async fn describe(&self) -> PortResult<TableFigures> {
        let now = self.now();
        let state = self.state();
        let live = state.items.values().filter(|item| !is_expired(item, now));
        let (item_count, size_bytes) = live.fold((0, 0), |(count, size), item| (count + 1, size + item_size(item)));
        Ok(TableFigures { item_count, size_bytes })
    }
}

/// The key attributes DynamoDB would return as LastEvaluatedKey for this item in this index.
pub(crate) fn cursor_of(index: Index, item: &Item) -> Item {
    let (ipk, isk) = index.key_attributes();
    ["pk", "sk", ipk, isk].into_iter().filter_map(|a| item.get(a).map(|v| (a.to_owned(), v.clone()))).collect()
}
