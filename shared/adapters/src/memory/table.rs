use super::conditions::{apply, holds};
use async_trait::async_trait;
use proxy_core::clock::Clock;
use proxy_core::error::{Backend, PortError, PortResult};
use proxy_core::ports::table::{
    Condition, Cursor, Index, Item, Key, KeyRange, MAX_TRANSACT_ITEMS, Page, Query, Table, TableFigures, TransactOp,
    Update, Value, is_expired, item_size,
};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
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
        // Ordered (sort key, base key) positions of the partition.
        let positions: Vec<IndexEntry> = match query.index {
            Index::Primary => state
                .items
                .range(Key::new(query.partition.clone(), String::new())..)
                .take_while(|(k, _)| k.pk == query.partition)
                .map(|(k, _)| (k.sk.clone(), k.clone()))
                .collect(),
            index => state
                .indexes
                .get(&index)
                .and_then(|partitions| partitions.get(&query.partition))
                .map(|set| set.iter().cloned().collect())
                .unwrap_or_default(),
        };
        let cursor_position = query.start_after.as_ref().and_then(|Cursor(c)| {
            let key = Key::of(c)?;
            let sort = match query.index {
                Index::Primary => key.sk.clone(),
                index => State::index_position(index, c)?.1,
            };
            Some((sort, key))
        });
        let mut candidates: Vec<&IndexEntry> = positions.iter().filter(|(s, _)| in_range(&query.range, s)).collect();
        if !query.ascending {
            candidates.reverse();
        }
        if let Some(after) = &cursor_position {
            candidates.retain(|p| if query.ascending { *p > after } else { *p < after });
        }
        let mut items = Vec::new();
        let mut last = None;
        let mut more = false;
        for (_, key) in candidates {
            if items.len() == query.limit {
                more = true;
                break;
            }
            if let Some(item) = state.items.get(key) {
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
