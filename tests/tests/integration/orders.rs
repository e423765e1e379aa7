//! Order placement on both backends: pricing, the one-transaction checkout, its 4xx causes, idempotency keys,
//! coupons, and the races (run against the DynamoDB emulator too): capacity, wallet and coupon limits hold.

use chrono::Utc;
use futures_util::future::join_all;
use integration_tests::fixtures::{customer, dec, order_of, plan_on_a_down_server, shop_at_list_prices};
use integration_tests::{TestApp, race};
use rust_decimal::Decimal;
use shared::app::AppContext;
use shared::domain::*;
use shared::ports::QueueRef;
use shared::services::orders::{OrderLine, PlaceError, place, place_as};

integration_tests::on_both_backends!(
    a_wallet_order_is_priced_charged_held_and_queued_for_provisioning,
    every_failed_condition_is_the_right_refusal,
    an_idempotency_key_returns_the_first_order,
    a_retry_after_a_lost_follow_up_gets_the_order_provisioned_once,
    a_cancelled_order_is_taken_back_out_of_the_sales_counters_once,
    coupons_apply_once_per_customer_when_so_marked,
    two_hundred_buyers_race_for_fifty_slots,
    a_wallet_that_affords_ten_orders_places_exactly_ten,
    a_coupon_limited_to_five_uses_is_used_exactly_five_times,
    orders_of_a_day_whose_ids_share_a_prefix_are_both_placed,
);

async fn a_wallet_order_is_priced_charged_held_and_queued_for_provisioning(app: TestApp) {
    let ctx = &app.ctx;
    let shop = shop_at_list_prices(ctx, 50, "10.00").await;
    let buyer = customer(ctx, "100").await;
    // 2 clients x 3 months x 10.00 = 60.00, minus the 3-month subscription discount of 10 %.
    let placed = place(ctx, &buyer, order_of(&shop.plan, 2, 3), None).await.unwrap();
    assert_eq!(
        (placed.order.subtotal, placed.order.discount, placed.order.grand_amount),
        (dec("60"), dec("6"), dec("54"))
    );
    assert_eq!((placed.order.payment_status, placed.order.order_status), (PaymentStatus::Paid, OrderStatus::New));
    assert_eq!(placed.items.len(), 1);
    assert_eq!(placed.items[0].expires_at, Some(ctx.clock.now() + chrono::Duration::days(90)));

    assert_eq!(ctx.stores.orders.get(&placed.order.id).await.unwrap().unwrap(), placed.order);
    assert_eq!(ctx.stores.orders.lines(&placed.order.id).await.unwrap(), placed.items);
    assert_eq!(ctx.stores.wallets.get(&buyer).await.unwrap().unwrap().balance, dec("46"));
    let (transactions, _) = ctx.stores.wallets.transactions_of(&buyer, 10, None).await.unwrap();
    let debit = transactions.iter().find(|t| t.kind == TransactionType::Debit).expect("a debit");
    assert_eq!((debit.amount, debit.order_id.as_ref()), (dec("-54"), Some(&placed.order.id)), "debits are negative");
    let server = ctx.stores.catalog.server(&shop.server.id).await.unwrap().unwrap();
    assert_eq!((server.free_slots, server.held_clients, server.active_clients), (48, 2, 0));
    let (mine, _) = ctx.stores.orders.of_customer(&buyer, 10, None).await.unwrap();
    assert_eq!(mine.len(), 1);

    let jobs = ctx
        .queue
        .receive(
            QueueRef::Main(Priority::High),
            10,
            std::time::Duration::from_secs(1),
            std::time::Duration::from_secs(30),
        )
        .await
        .unwrap();
    let job: Job = serde_json::from_str(&jobs[0].body).unwrap();
    assert_eq!(job.job_type, "order.provision");
    assert_eq!(job.payload["order_id"], placed.order.id.as_str());
}

/// Order numbers and payment references once took the date and the id's first 8 hex characters: two orders of
/// a day sharing them (likely at tens of thousands a day) refused the second as a reused wallet reference.
async fn orders_of_a_day_whose_ids_share_a_prefix_are_both_placed(app: TestApp) {
    let ctx = &app.ctx;
    let shop = shop_at_list_prices(ctx, 50, "10.00").await;
    let buyer = customer(ctx, "100").await;
    let ids = ["5b0e6c1e-0000-4c39-9d7e-2a4f6b8c1d3e", "5b0e6c1e-1111-4c39-9d7e-2a4f6b8c1d3e"];
    let mut numbers = Vec::new();
    for id in ids {
        let placed = place_as(ctx, OrderId(id.into()), &buyer, order_of(&shop.plan, 1, 1), None)
            .await
            .expect("an order whose id shares a prefix with the day's other order");
        numbers.push(placed.order.order_number);
    }
    assert_ne!(numbers[0], numbers[1]);
    assert_eq!(ctx.stores.wallets.get(&buyer).await.unwrap().unwrap().balance, dec("80"));
    let (transactions, _) = ctx.stores.wallets.transactions_of(&buyer, 10, None).await.unwrap();
    let mut references: Vec<_> =
        transactions.iter().filter(|t| t.kind == TransactionType::Debit).map(|t| t.reference.clone()).collect();
    references.sort();
    assert_eq!(references, ids.map(|id| format!("order:{id}")));
}

async fn every_failed_condition_is_the_right_refusal(app: TestApp) {
    let ctx = &app.ctx;
    let shop = shop_at_list_prices(ctx, 2, "10.00").await;
    let poor = customer(ctx, "5").await;
    match place(ctx, &poor, order_of(&shop.plan, 1, 1), None).await {
        Err(PlaceError::InsufficientFunds { required, balance }) => {
            assert_eq!((required, balance), (dec("10"), dec("5")))
        }
        other => panic!("{other:?}"),
    }
    let rich = customer(ctx, "1000").await;
    assert!(matches!(place(ctx, &rich, order_of(&shop.plan, 3, 1), None).await, Err(PlaceError::NoCapacity(_))));

    let mut unknown = order_of(&shop.plan, 1, 1);
    unknown.lines.push(OrderLine { plan_id: PlanId("no-such-plan".into()), quantity: 1 });
    match place(ctx, &rich, unknown, None).await {
        Err(PlaceError::Invalid(errors)) => {
            assert!(errors.contains_key("items.1.plan_id"), "{errors:?}")
        }
        other => panic!("{other:?}"),
    }
    let other_shop = shop_on_other_server(ctx).await;
    let mut single = order_of(&other_shop, 1, 1);
    single.server_id = Some(shop.server.id.clone());
    match place(ctx, &rich, single, None).await {
        Err(PlaceError::Invalid(errors)) => assert_eq!(errors["plan_id"], ["does not belong to the selected server"]),
        other => panic!("{other:?}"),
    }
    let mut stripe = order_of(&shop.plan, 1, 1);
    stripe.payment_method = PaymentMethod::Stripe;
    assert!(matches!(place(ctx, &rich, stripe, None).await, Err(PlaceError::PaymentMethodUnavailable(_))));

    // A server that goes down refuses new orders.
    let plan = plan_on_a_down_server(ctx, &shop).await;
    assert!(matches!(place(ctx, &rich, order_of(&plan, 1, 1), None).await, Err(PlaceError::ServerUnavailable(_))));

    // Nothing was charged or held by any refusal.
    assert_eq!(ctx.stores.wallets.get(&rich).await.unwrap().unwrap().balance, dec("1000"));
    assert_eq!(ctx.stores.catalog.server(&shop.server.id).await.unwrap().unwrap().free_slots, 2);
}

async fn shop_on_other_server(ctx: &AppContext) -> Plan {
    shop_at_list_prices(ctx, 10, "5.00").await.plan
}

async fn an_idempotency_key_returns_the_first_order(app: TestApp) {
    let ctx = &app.ctx;
    let shop = shop_at_list_prices(ctx, 10, "10.00").await;
    let buyer = customer(ctx, "10").await;
    let first = place(ctx, &buyer, order_of(&shop.plan, 1, 1), Some("key-1")).await.unwrap();
    // The wallet is now empty: without the key this retry would be refused; with it, it gets the first order.
    let retry = place(ctx, &buyer, order_of(&shop.plan, 1, 1), Some("key-1")).await.unwrap();
    assert!(retry.replayed && !first.replayed);
    assert_eq!(retry.order, first.order);
    assert_eq!(ctx.stores.wallets.get(&buyer).await.unwrap().unwrap().balance, Decimal::ZERO);
    // Concurrent duplicates: exactly one order.
    let rich = customer(ctx, "100").await;
    let attempts = (0..8).map(|_| {
        let (ctx, rich, plan) = (ctx.clone(), rich.clone(), shop.plan.clone());
        tokio::spawn(async move { place(&ctx, &rich, order_of(&plan, 1, 1), Some("key-2")).await })
    });
    let ids: std::collections::BTreeSet<OrderId> =
        join_all(attempts).await.into_iter().map(|r| r.unwrap().unwrap().order.id).collect();
    assert_eq!(ids.len(), 1);
    assert_eq!(ctx.stores.wallets.get(&rich).await.unwrap().unwrap().balance, dec("90"));
}

async fn coupon(ctx: &AppContext, code: &str, limit: Option<u32>, once_per_customer: bool) {
    ctx.stores
        .coupons
        .create(&Coupon {
            min_order: dec("5"),
            usage_limit: limit,
            single_use_per_customer: once_per_customer,
            ends_at: Some(Utc::now() + chrono::Duration::days(30)),
            ..Coupon::new(code, DiscountKind::Percent, dec("10"))
        })
        .await
        .unwrap();
}

async fn coupons_apply_once_per_customer_when_so_marked(app: TestApp) {
    let ctx = &app.ctx;
    let shop = shop_at_list_prices(ctx, 10, "20.00").await;
    coupon(ctx, "WELCOME10", None, true).await;
    let buyer = customer(ctx, "100").await;
    let mut order = order_of(&shop.plan, 1, 1);
    order.coupon_code = Some("WELCOME10".into());
    let placed = place(ctx, &buyer, order.clone(), None).await.unwrap();
    assert_eq!((placed.order.grand_amount, placed.order.coupon_code.as_deref()), (dec("18"), Some("WELCOME10")));
    match place(ctx, &buyer, order.clone(), None).await {
        Err(PlaceError::Invalid(errors)) => {
            assert_eq!(errors["coupon_code"], ["has already been used by you"])
        }
        other => panic!("{other:?}"),
    }
    let other = customer(ctx, "100").await;
    place(ctx, &other, order.clone(), None).await.unwrap();
    assert_eq!(ctx.stores.coupons.get("WELCOME10").await.unwrap().unwrap().used_count, 2);
    order.coupon_code = Some("NOPE".into());
    assert!(
        matches!(place(ctx, &other, order, None).await, Err(PlaceError::Invalid(e)) if e.contains_key("coupon_code"))
    );
}

async fn two_hundred_buyers_race_for_fifty_slots(app: TestApp) {
    let ctx = &app.ctx;
    let shop = shop_at_list_prices(ctx, 50, "1.00").await;
    let mut buyers = Vec::new();
    for _ in 0..20 {
        buyers.push(customer(ctx, "100").await);
    }
    let attempts = (0..200).map(|i| place(ctx, &buyers[i % buyers.len()], order_of(&shop.plan, 1, 1), None));
    let (mut placed, mut refused) = (0, 0);
    for result in race(attempts).await {
        match result {
            Ok(_) => placed += 1,
            Err(PlaceError::NoCapacity(_)) => refused += 1,
            Err(other) => panic!("not a clean refusal: {other:?}"),
        }
    }
    assert_eq!((placed, refused), (50, 150));
    let server = ctx.stores.catalog.server(&shop.server.id).await.unwrap().unwrap();
    assert_eq!((server.free_slots, server.held_clients), (0, 50));
    let total: Decimal = {
        let mut sum = Decimal::ZERO;
        for buyer in &buyers {
            sum += ctx.stores.wallets.get(buyer).await.unwrap().unwrap().balance;
        }
        sum
    };
    assert_eq!(total, dec("1950"), "exactly 50 x 1.00 was charged");
}

async fn a_wallet_that_affords_ten_orders_places_exactly_ten(app: TestApp) {
    let ctx = &app.ctx;
    let shop = shop_at_list_prices(ctx, 500, "7.50").await;
    let buyer = customer(ctx, "75").await;
    let attempts = (0..100).map(|_| place(ctx, &buyer, order_of(&shop.plan, 1, 1), None));
    let mut placed = 0;
    for result in race(attempts).await {
        match result {
            Ok(_) => placed += 1,
            Err(PlaceError::InsufficientFunds { .. }) => {}
            Err(other) => panic!("not a clean refusal: {other:?}"),
        }
    }
    assert_eq!(placed, 10);
    assert_eq!(ctx.stores.wallets.get(&buyer).await.unwrap().unwrap().balance, Decimal::ZERO);
    assert_eq!(ctx.stores.catalog.server(&shop.server.id).await.unwrap().unwrap().held_clients, 10);
}

async fn a_coupon_limited_to_five_uses_is_used_exactly_five_times(app: TestApp) {
    let ctx = &app.ctx;
    let shop = shop_at_list_prices(ctx, 100, "10.00").await;
    coupon(ctx, "FIVE", Some(5), false).await;
    let mut buyers = Vec::new();
    for _ in 0..20 {
        buyers.push(customer(ctx, "100").await);
    }
    let attempts = buyers.iter().map(|buyer| {
        let (ctx, buyer, plan) = (ctx.clone(), buyer.clone(), shop.plan.clone());
        tokio::spawn(async move {
            let mut order = order_of(&plan, 1, 1);
            order.coupon_code = Some("FIVE".into());
            place(&ctx, &buyer, order, None).await
        })
    });
    let mut used = 0;
    for result in join_all(attempts).await {
        match result.unwrap() {
            Ok(placed) => {
                assert_eq!(placed.order.grand_amount, dec("9"));
                used += 1;
            }
            Err(PlaceError::Invalid(errors)) => {
                assert_eq!(errors["coupon_code"], ["has been used up"])
            }
            Err(other) => panic!("not a clean refusal: {other:?}"),
        }
    }
    assert_eq!(used, 5);
    assert_eq!(ctx.stores.coupons.get("FIVE").await.unwrap().unwrap().used_count, 5);
}

/// A queue that is down for sends (what a request that dies right after its commit looks like from outside).
struct QueueDownForSends(std::sync::Arc<dyn shared::ports::JobQueue>);

#[async_trait::async_trait]
impl shared::ports::JobQueue for QueueDownForSends {
    async fn send(&self, _: QueueRef, _: &str, _: Option<std::time::Duration>) -> shared::error::PortResult<String> {
        Err(shared::error::PortError::unavailable(shared::error::Backend::Queue, "down for the test"))
    }
    async fn receive(
        &self,
        queue: QueueRef,
        max: u32,
        wait: std::time::Duration,
        visibility: std::time::Duration,
    ) -> shared::error::PortResult<Vec<shared::ports::ReceivedMessage>> {
        self.0.receive(queue, max, wait, visibility).await
    }
    async fn delete(&self, queue: QueueRef, receipt: &str) -> shared::error::PortResult<()> {
        self.0.delete(queue, receipt).await
    }
    async fn release(
        &self,
        queue: QueueRef,
        receipt: &str,
        after: std::time::Duration,
    ) -> shared::error::PortResult<()> {
        self.0.release(queue, receipt, after).await
    }
    async fn attributes(&self, queue: QueueRef) -> shared::error::PortResult<shared::ports::QueueAttributes> {
        self.0.attributes(queue).await
    }
}

async fn a_retry_after_a_lost_follow_up_gets_the_order_provisioned_once(app: TestApp) {
    let ctx = &app.ctx;
    let shop = shop_at_list_prices(ctx, 10, "10.00").await;
    let buyer = customer(ctx, "100").await;
    // The first try commits, but none of its follow-ups (provisioning job, events, fact) leave.
    let mut cut_off = ctx.clone();
    cut_off.queue = std::sync::Arc::new(QueueDownForSends(ctx.queue.clone()));
    let first = place(&cut_off, &buyer, order_of(&shop.plan, 1, 1), Some("retry-me")).await.unwrap();
    let wait = if app.backend == integration_tests::Backend::Aws { 1 } else { 0 };
    let jobs = |queue: Priority| {
        ctx.queue.receive(
            QueueRef::Main(queue),
            10,
            std::time::Duration::from_secs(wait),
            std::time::Duration::from_secs(30),
        )
    };
    assert!(jobs(Priority::High).await.unwrap().is_empty(), "nothing was sent");

    // The client retries with the same key, twice: each replay sends the follow-ups again, under the same ids.
    for _ in 0..2 {
        let retry = place(ctx, &buyer, order_of(&shop.plan, 1, 1), Some("retry-me")).await.unwrap();
        assert!(retry.replayed);
        assert_eq!(retry.order.id, first.order.id);
    }
    let sent = jobs(Priority::High).await.unwrap();
    let ids: std::collections::BTreeSet<String> =
        sent.iter().map(|m| serde_json::from_str::<Job>(&m.body).unwrap().id.to_string()).collect();
    assert_eq!(ids.len(), 1, "one provisioning job, sent twice under one id: {ids:?}");
    for message in &sent {
        ctx.queue
            .release(QueueRef::Main(Priority::High), &message.receipt_handle, std::time::Duration::ZERO)
            .await
            .unwrap();
    }
    // The worker runs it once: the order completes with its one client, and no copy is left over.
    let registry = shared::worker::standard_registry();
    let mut outcomes = Vec::new();
    loop {
        let report = shared::worker::poll_once(
            ctx,
            &registry,
            QueueRef::Main(Priority::High),
            std::time::Duration::from_secs(wait),
            std::time::Duration::from_secs(1),
        )
        .await
        .unwrap();
        if report.outcomes.is_empty() {
            // A copy received while the other ran is handed back for later, not dropped: wait for it.
            let attributes = ctx.queue.attributes(QueueRef::Main(Priority::High)).await.unwrap();
            if attributes.visible + attributes.in_flight == 0 {
                break;
            }
            app.pass(std::time::Duration::from_secs(1)).await;
            continue;
        }
        outcomes.extend(report.outcomes.into_iter().map(|(_, o)| o));
    }
    let done = outcomes.iter().filter(|o| **o == shared::worker::MessageOutcome::Done).count();
    assert_eq!(done, 1, "the copies are recognised as one job: {outcomes:?}");
    assert!(outcomes.contains(&shared::worker::MessageOutcome::Duplicate), "{outcomes:?}");
    let order = ctx.stores.orders.get(&first.order.id).await.unwrap().unwrap();
    assert_eq!(order.order_status, OrderStatus::Completed);
    assert_eq!(ctx.stores.clients.of_customer(&buyer, None).await.unwrap().len(), 1);
    // A replay of a provisioned order sends nothing more.
    place(ctx, &buyer, order_of(&shop.plan, 1, 1), Some("retry-me")).await.unwrap();
    assert!(jobs(Priority::High).await.unwrap().is_empty());
}

async fn a_cancelled_order_is_taken_back_out_of_the_sales_counters_once(app: TestApp) {
    let ctx = &app.ctx;
    let shop = shop_at_list_prices(ctx, 10, "10.00").await;
    let buyer = customer(ctx, "100").await;
    let placed = place(ctx, &buyer, order_of(&shop.plan, 2, 1), None).await.unwrap();
    let fact = OrderFact::of(&placed.order, &placed.items);
    let day = placed.order.created_at.date_naive();
    let stats = &ctx.stores.stats;

    // A cancellation that arrives before its order was counted waits (a conflict: the job is retried).
    assert!(matches!(stats.withdraw_order(&fact).await, Err(shared::error::PortError::Conflict { .. })));
    assert_eq!(stats.plan_day(&shop.plan.id, day).await.unwrap().orders, 0);

    // Through the worker: the order's fact, then the cancellation's.
    shared::services::orders::cancel(ctx, &buyer, &placed.order.id).await.unwrap();
    let registry = shared::worker::standard_registry();
    let wait = std::time::Duration::from_secs(if app.backend == integration_tests::Backend::Aws { 1 } else { 0 });
    let mut rounds = 0;
    loop {
        let report = shared::worker::poll_once(
            ctx,
            &registry,
            QueueRef::Main(Priority::Analytics),
            wait,
            std::time::Duration::from_secs(1),
        )
        .await
        .unwrap();
        let attributes = ctx.queue.attributes(QueueRef::Main(Priority::Analytics)).await.unwrap();
        if report.outcomes.is_empty() && attributes.visible + attributes.in_flight == 0 {
            break;
        }
        if report.outcomes.is_empty() {
            app.pass(std::time::Duration::from_secs(1)).await;
        }
        rounds += 1;
        assert!(rounds < 20, "the analytics queue drains");
    }
    assert_eq!(stats.plan_day(&shop.plan.id, day).await.unwrap(), shared::store::PlanDay::default());
    // Withdrawn once, however often the cancellation's fact comes again.
    assert!(!stats.withdraw_order(&fact).await.unwrap());
    assert_eq!(stats.plan_day(&shop.plan.id, day).await.unwrap(), shared::store::PlanDay::default());
}
