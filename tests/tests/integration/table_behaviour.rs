//! The store port's behaviour, run against both adapters: the in-memory table and DynamoDB (moto).
//! What passes here on one backend must pass on the other — that is what keeps the embedded default honest.

use integration_tests::{dynamo_table, manual_clock};
use rust_decimal::Decimal;
use shared::clock::ManualClock;
use shared::error::PortError;
use shared::ports::table::{
    Condition, Index, Item, Key, KeyRange, Query, Table, TransactOp, Update, UpdateAction, Value, number, string,
};
use std::sync::Arc;

struct Harness {
    table: Arc<dyn Table>,
    clock: Arc<ManualClock>,
}

async fn memory() -> Harness {
    let clock = manual_clock();
    Harness { table: Arc::new(shared::adapters::memory::MemoryTable::new(clock.clone())), clock }
}

async fn dynamodb() -> Harness {
    let clock = manual_clock();
    Harness { table: Arc::new(dynamo_table(clock.clone()).await), clock }
}

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod memory {
            $(#[tokio::test] async fn $name() { super::$name(super::memory().await).await })*
        }
        mod dynamodb {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 4)] async fn $name() { super::$name(super::dynamodb().await).await })*
        }
    };
}

on_both_backends!(
    put_then_get_returns_the_item,
    put_if_absent_conflicts_on_an_existing_key,
    update_if_condition_conflicts_when_the_condition_fails,
    update_without_condition_creates_the_item,
    transaction_is_all_or_nothing_and_names_the_failed_operation,
    transaction_may_not_touch_one_item_twice,
    expired_items_read_as_absent_and_can_be_replaced,
    delete_honours_its_condition,
    get_many_returns_only_live_items,
    query_orders_filters_and_paginates_exactly_once,
    secondary_indexes_are_sparse_and_follow_updates,
    concurrent_conditional_decrements_never_go_below_zero,
    adding_to_a_non_number_is_refused_and_writes_nothing,
    set_if_missing_keeps_the_first_value,
);

fn item(pk: &str, sk: &str, fields: &[(&str, Value)]) -> Item {
    let mut item = Key::new(pk, sk).to_item();
    for (k, v) in fields {
        item.insert((*k).to_owned(), v.clone());
    }
    item
}

fn conflict(result: Result<impl std::fmt::Debug, PortError>) -> Option<usize> {
    match result {
        Err(PortError::Conflict { op_index }) => op_index,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

async fn put_then_get_returns_the_item(h: Harness) {
    let stored = item("A", "1", &[("name", string("alpha")), ("n", number(42)), ("flag", Value::Bool(true))]);
    h.table.put(stored.clone(), None).await.unwrap();
    assert_eq!(h.table.get(&Key::new("A", "1")).await.unwrap(), Some(stored));
    assert_eq!(h.table.get(&Key::new("A", "2")).await.unwrap(), None);
    h.table.ping().await.unwrap();
}

async fn put_if_absent_conflicts_on_an_existing_key(h: Harness) {
    h.table.put(item("A", "1", &[("v", number(1))]), Some(Condition::NotExists)).await.unwrap();
    let second = h.table.put(item("A", "1", &[("v", number(2))]), Some(Condition::NotExists)).await;
    assert_eq!(conflict(second), None);
    let kept = h.table.get(&Key::new("A", "1")).await.unwrap().unwrap();
    assert_eq!(kept.get("v"), Some(&number(1)), "the losing write changed nothing");
}

async fn update_if_condition_conflicts_when_the_condition_fails(h: Harness) {
    h.table.put(item("W", "1", &[("balance", number("10.50"))]), None).await.unwrap();
    let debit = |amount: &str| Update {
        key: Key::new("W", "1"),
        actions: vec![UpdateAction::Add("balance".into(), -amount.parse::<Decimal>().unwrap())],
        condition: Some(Condition::AtLeast("balance".into(), amount.parse().unwrap())),
    };
    let after = h.table.update(debit("10.25")).await.unwrap();
    let balance: Decimal = match after.get("balance") {
        Some(Value::N(n)) => n.parse().unwrap(),
        other => panic!("balance not a number: {other:?}"),
    };
    assert_eq!(balance, "0.25".parse::<Decimal>().unwrap());
    assert_eq!(conflict(h.table.update(debit("0.26")).await), None);
    h.table.update(debit("0.25")).await.unwrap();
}

async fn update_without_condition_creates_the_item(h: Harness) {
    let created = h
        .table
        .update(Update {
            key: Key::new("C", "counter"),
            actions: vec![
                UpdateAction::Add("count".into(), Decimal::from(3)),
                UpdateAction::Set("tag".into(), string("x")),
            ],
            condition: None,
        })
        .await
        .unwrap();
    assert_eq!(created.get("count"), Some(&number(3)));
    let again = h
        .table
        .update(Update {
            key: Key::new("C", "counter"),
            actions: vec![UpdateAction::Add("count".into(), Decimal::from(2)), UpdateAction::Remove("tag".into())],
            condition: Some(Condition::Exists),
        })
        .await
        .unwrap();
    assert_eq!(again.get("count"), Some(&number(5)));
    assert!(!again.contains_key("tag"));
}

async fn transaction_is_all_or_nothing_and_names_the_failed_operation(h: Harness) {
    h.table.put(item("S", "1", &[("free", number(1))]), None).await.unwrap();
    let take_slot = TransactOp::Update(Update {
        key: Key::new("S", "1"),
        actions: vec![UpdateAction::Add("free".into(), Decimal::from(-1))],
        condition: Some(Condition::AtLeast("free".into(), Decimal::ONE)),
    });
    let order = |id: &str| TransactOp::Put { item: item("O", id, &[]), condition: Some(Condition::NotExists) };
    h.table.transact(vec![take_slot.clone(), order("1")]).await.unwrap();
    // No slot left: operation 0 fails, so order 2 must not be written either.
    assert_eq!(conflict(h.table.transact(vec![take_slot.clone(), order("2")]).await), Some(0));
    assert_eq!(h.table.get(&Key::new("O", "2")).await.unwrap(), None);
    // A failing second operation rolls back the first.
    h.table.put(item("S", "1", &[("free", number(5))]), None).await.unwrap();
    assert_eq!(conflict(h.table.transact(vec![take_slot, order("1")]).await), Some(1));
    assert_eq!(h.table.get(&Key::new("S", "1")).await.unwrap().unwrap().get("free"), Some(&number(5)));
}

async fn transaction_may_not_touch_one_item_twice(h: Harness) {
    let put = TransactOp::Put { item: item("T", "1", &[]), condition: None };
    let result = h.table.transact(vec![put.clone(), put]).await;
    assert!(matches!(result, Err(PortError::Invalid { .. })), "got {result:?}");
}

async fn expired_items_read_as_absent_and_can_be_replaced(h: Harness) {
    let now = h.clock.now_epoch();
    h.table
        .put(item("L", "lock", &[("ttl", number(now + 60)), ("owner", string("a"))]), Some(Condition::NotExists))
        .await
        .unwrap();
    assert!(h.table.get(&Key::new("L", "lock")).await.unwrap().is_some());
    let taken = h.table.put(item("L", "lock", &[("owner", string("b"))]), Some(Condition::NotExists)).await;
    assert_eq!(conflict(taken), None);

    h.clock.advance(chrono::Duration::seconds(61));
    assert_eq!(h.table.get(&Key::new("L", "lock")).await.unwrap(), None, "expired items read as absent");
    let page = h.table.query(Query::new(Index::Primary, "L")).await.unwrap();
    assert!(page.items.is_empty(), "queries skip expired items");
    h.table.put(item("L", "lock", &[("owner", string("b"))]), Some(Condition::NotExists)).await.unwrap();
    assert_eq!(h.table.get(&Key::new("L", "lock")).await.unwrap().unwrap().get("owner"), Some(&string("b")));
}

async fn delete_honours_its_condition(h: Harness) {
    h.table.put(item("D", "1", &[("status", string("done"))]), None).await.unwrap();
    let guarded = Condition::AttributeEquals("status".into(), string("in_progress"));
    assert_eq!(conflict(h.table.delete(&Key::new("D", "1"), Some(guarded)).await), None);
    h.table
        .delete(&Key::new("D", "1"), Some(Condition::AttributeNotEquals("status".into(), string("x"))))
        .await
        .unwrap();
    assert_eq!(h.table.get(&Key::new("D", "1")).await.unwrap(), None);
}

async fn get_many_returns_only_live_items(h: Harness) {
    let now = h.clock.now_epoch();
    for i in 0..5 {
        h.table.put(item("M", &i.to_string(), &[]), None).await.unwrap();
    }
    h.table.put(item("M", "expired", &[("ttl", number(now - 1))]), None).await.unwrap();
    let keys: Vec<Key> = ["0", "2", "4", "missing", "expired"].iter().map(|s| Key::new("M", *s)).collect();
    let mut found: Vec<String> =
        h.table.get_many(&keys).await.unwrap().iter().map(|i| Key::of(i).unwrap().sk).collect();
    found.sort();
    assert_eq!(found, ["0", "2", "4"]);
}

async fn query_orders_filters_and_paginates_exactly_once(h: Harness) {
    for i in 0..25 {
        h.table.put(item("Q", &format!("ITEM#{i:02}"), &[("i", number(i))]), None).await.unwrap();
    }
    h.table.put(item("Q", "OTHER#1", &[]), None).await.unwrap();
    h.table.put(item("Q2", "ITEM#00", &[]), None).await.unwrap();

    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = h
            .table
            .query(
                Query::new(Index::Primary, "Q")
                    .range(KeyRange::BeginsWith("ITEM#".into()))
                    .limit(7)
                    .start_after(cursor),
            )
            .await
            .unwrap();
        assert!(page.items.len() <= 7);
        seen.extend(page.items.iter().map(|i| Key::of(i).unwrap().sk));
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let expected: Vec<String> = (0..25).map(|i| format!("ITEM#{i:02}")).collect();
    assert_eq!(seen, expected, "every item once, in order");

    let newest = h
        .table
        .query(Query::new(Index::Primary, "Q").range(KeyRange::BeginsWith("ITEM#".into())).descending().limit(3))
        .await
        .unwrap();
    let newest: Vec<String> = newest.items.iter().map(|i| Key::of(i).unwrap().sk).collect();
    assert_eq!(newest, ["ITEM#24", "ITEM#23", "ITEM#22"]);

    let between = h
        .table
        .query(Query::new(Index::Primary, "Q").range(KeyRange::Between("ITEM#05".into(), "ITEM#07".into())))
        .await
        .unwrap();
    assert_eq!(between.items.len(), 3);
    let before =
        h.table.query(Query::new(Index::Primary, "Q").range(KeyRange::Before("ITEM#02".into()))).await.unwrap();
    assert_eq!(before.items.len(), 2);
    let after = h.table.query(Query::new(Index::Primary, "Q").range(KeyRange::After("ITEM#23".into()))).await.unwrap();
    assert_eq!(after.items.len(), 2, "ITEM#24 and OTHER#1");
}

async fn secondary_indexes_are_sparse_and_follow_updates(h: Harness) {
    let order = |id: &str, status: &str, at: &str| {
        item("ORDER", id, &[("gsi3pk", string(format!("STATUS#{status}"))), ("gsi3sk", string(format!("{at}#{id}")))])
    };
    h.table.put(order("1", "new", "2026-11-01"), None).await.unwrap();
    h.table.put(order("2", "new", "2026-11-03"), None).await.unwrap();
    h.table.put(order("3", "completed", "2026-11-02"), None).await.unwrap();
    h.table.put(item("ORDER", "4", &[]), None).await.unwrap();

    let ids =
        |page: shared::ports::Page| -> Vec<String> { page.items.iter().map(|i| Key::of(i).unwrap().sk).collect() };
    let new = h.table.query(Query::new(Index::Gsi3, "STATUS#new").descending()).await.unwrap();
    assert_eq!(ids(new), ["2", "1"]);

    h.table
        .update(Update {
            key: Key::new("ORDER", "2"),
            actions: vec![UpdateAction::Set("gsi3pk".into(), string("STATUS#completed"))],
            condition: Some(Condition::AttributeEquals("gsi3pk".into(), string("STATUS#new"))),
        })
        .await
        .unwrap();
    let new = h.table.query(Query::new(Index::Gsi3, "STATUS#new")).await.unwrap();
    assert_eq!(ids(new), ["1"]);
    let completed = h.table.query(Query::new(Index::Gsi3, "STATUS#completed")).await.unwrap();
    assert_eq!(ids(completed), ["3", "2"], "ordered by the index sort key");

    let mut cursor = None;
    let mut paged = Vec::new();
    loop {
        let page =
            h.table.query(Query::new(Index::Gsi3, "STATUS#completed").limit(1).start_after(cursor)).await.unwrap();
        paged.extend(ids(page.clone()));
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(paged, ["3", "2"], "index pagination visits each item once");
}

async fn concurrent_conditional_decrements_never_go_below_zero(h: Harness) {
    h.table.put(item("CAP", "server", &[("free", number(20))]), None).await.unwrap();
    let attempts = (0..60).map(|i| {
        let table = h.table.clone();
        tokio::spawn(async move {
            table
                .transact(vec![
                    TransactOp::Update(Update {
                        key: Key::new("CAP", "server"),
                        actions: vec![UpdateAction::Add("free".into(), Decimal::from(-1))],
                        condition: Some(Condition::AtLeast("free".into(), Decimal::ONE)),
                    }),
                    TransactOp::Put {
                        item: item("CAP", &format!("order#{i}"), &[]),
                        condition: Some(Condition::NotExists),
                    },
                ])
                .await
        })
    });
    let mut won = 0;
    for result in futures_util::future::join_all(attempts).await {
        match result.unwrap() {
            Ok(()) => won += 1,
            Err(PortError::Conflict { .. }) => {}
            Err(other) => panic!("unexpected error: {other}"),
        }
    }
    assert_eq!(won, 20);
    let left = h.table.get(&Key::new("CAP", "server")).await.unwrap().unwrap();
    assert_eq!(left.get("free"), Some(&number(0)));
    let orders =
        h.table.query(Query::new(Index::Primary, "CAP").range(KeyRange::BeginsWith("order#".into()))).await.unwrap();
    assert_eq!(orders.items.len(), 20);
}

trait EpochNow {
    fn now_epoch(&self) -> i64;
}

impl EpochNow for ManualClock {
    fn now_epoch(&self) -> i64 {
        use shared::clock::Clock;
        self.now().timestamp()
    }
}

async fn adding_to_a_non_number_is_refused_and_writes_nothing(h: Harness) {
    h.table.put(item("N", "1", &[("total", string("0"))]), None).await.unwrap();
    let add = Update {
        key: Key::new("N", "1"),
        actions: vec![UpdateAction::Add("total".into(), Decimal::from(5))],
        condition: Some(Condition::Exists),
    };
    let result = h.table.update(add.clone()).await;
    assert!(matches!(result, Err(PortError::Invalid { .. })), "got {result:?}");
    let other = TransactOp::Put { item: item("N", "2", &[]), condition: Some(Condition::NotExists) };
    let result = h.table.transact(vec![other, TransactOp::Update(add)]).await;
    assert!(matches!(result, Err(PortError::Invalid { .. })), "not a retryable conflict: got {result:?}");
    assert_eq!(h.table.get(&Key::new("N", "2")).await.unwrap(), None, "nothing of the transaction was written");
    assert_eq!(h.table.get(&Key::new("N", "1")).await.unwrap().unwrap().get("total"), Some(&string("0")));
}

async fn set_if_missing_keeps_the_first_value(h: Harness) {
    let seen = |at: &str, last: &str| Update {
        key: Key::new("F", "failure"),
        actions: vec![
            UpdateAction::SetIfMissing("first".into(), string(at)),
            UpdateAction::Set("last".into(), string(last)),
        ],
        condition: None,
    };
    let created = h.table.update(seen("t1", "t1")).await.unwrap();
    assert_eq!((created.get("first"), created.get("last")), (Some(&string("t1")), Some(&string("t1"))));
    let again = h.table.update(seen("t2", "t2")).await.unwrap();
    assert_eq!(again.get("first"), Some(&string("t1")), "an existing value is kept");
    assert_eq!(again.get("last"), Some(&string("t2")));
}

/// The adapter's production time limit, on its own: the emulator's tables get a longer one (it serialises every
/// request), so this is where the default is held to. A DynamoDB endpoint that accepts connections and never
/// answers fails the call as a store timeout, not a hang, and not before the limit.
#[tokio::test]
async fn a_store_that_never_answers_times_out_at_the_production_limit() {
    let (endpoint, silent) = integration_tests::silent_endpoint().await;
    let sdk = integration_tests::sdk_config_at(&endpoint).await;
    let table = shared::adapters::aws::DynamoTable::new(aws_sdk_dynamodb::Client::new(&sdk), "t", manual_clock());
    let started = std::time::Instant::now();
    let error = table.get(&Key::new("a", "b")).await.unwrap_err();
    assert!(
        matches!(error, PortError::Timeout { backend: shared::error::Backend::Store, operation: "get" }),
        "{error:?}"
    );
    // Not before the 3 s limit, and not at some longer one (a timer firing 10 s late is not load, it is a bug).
    let elapsed = started.elapsed();
    assert!(
        elapsed >= std::time::Duration::from_secs(3) && elapsed < std::time::Duration::from_secs(13),
        "the 3 s limit, after {elapsed:?}"
    );
    silent.abort();
}

/// DynamoDB commits a transaction and its answer is late (held past the adapter's limit): the adapter sends the
/// same transaction again with its token and answers what happened — committed, once — not a timeout (a 503
/// for an order that was placed) nor a conflict with its own first attempt.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_transaction_whose_answer_is_late_is_sent_again_and_answers_its_real_outcome() {
    let limit = std::time::Duration::from_secs(2);
    let (table, link) = integration_tests::dynamo_table_through_link(manual_clock(), limit).await;
    let ops = vec![
        TransactOp::Put { item: item("ORDER#1", "A", &[]), condition: Some(Condition::NotExists) },
        TransactOp::Update(Update {
            key: Key::new("COUNTER#1", "A"),
            actions: vec![UpdateAction::Add("placed".into(), Decimal::ONE)],
            condition: None,
        }),
    ];
    link.hold_answers();
    let link = Arc::new(link);
    let release = tokio::spawn({
        let link = link.clone();
        async move {
            tokio::time::sleep(limit + std::time::Duration::from_millis(500)).await;
            link.release_answers();
        }
    });
    table.transact(ops).await.expect("committed: the outcome of the first attempt");
    release.await.unwrap();
    assert!(link.connections_accepted() >= 2, "sent again");
    let counter = table.get(&Key::new("COUNTER#1", "A")).await.unwrap().unwrap();
    assert_eq!(counter["placed"], number(Decimal::ONE), "applied once");
}
