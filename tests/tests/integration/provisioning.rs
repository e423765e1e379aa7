//! Provisioning through the worker, on both backends: a placed order's clients appear on the panel and in the
//! store, capacity moves from held to active, events reach the customer's feed and the sale is counted once;
//! redelivery changes nothing; a panel that keeps failing puts the order in dispute and frees the capacity.

use integration_tests::fixtures::{customer, order_of, shop};
use integration_tests::{TestApp, drain};
use shared::adapters::memory::MemoryPanel;
use shared::domain::*;
use shared::ports::QueueRef;
use shared::services::orders::place;
use shared::worker::{MessageOutcome, poll_once};
use std::sync::Arc;
use std::time::Duration;

const VISIBILITY: Duration = Duration::from_secs(1);

/// The test app with a panel the test can inspect and break.
async fn app_with_panel(backend: integration_tests::Backend) -> (TestApp, Arc<MemoryPanel>) {
    let mut app = TestApp::new(backend).await;
    let panel = Arc::new(MemoryPanel::new());
    app.ctx.panel = panel.clone();
    (app, panel)
}

#[tokio::test]
async fn a_paid_order_is_provisioned_once_on_both_backends() {
    for backend in [integration_tests::Backend::Memory, integration_tests::Backend::Aws] {
        let (app, panel) = app_with_panel(backend).await;
        let ctx = &app.ctx;
        let shop = shop(ctx, 10, "10.00").await;
        let buyer = customer(ctx, "100").await;
        let placed = place(ctx, &buyer, order_of(&shop.plan, 3, 2), None).await.unwrap();

        assert_eq!(drain(&app, Priority::High).await, [MessageOutcome::Done], "{backend:?}");
        let order = ctx.stores.orders.get(&placed.order.id).await.unwrap().unwrap();
        assert_eq!(order.order_status, OrderStatus::Completed);
        assert!(order.completed_at.is_some());
        let clients = ctx.stores.clients.of_customer(&buyer, Some(&shop.server.id)).await.unwrap();
        assert_eq!(clients.len(), 3);
        assert!(clients.iter().all(|c| c.is_active && c.expires_at == placed.items[0].expires_at.unwrap()));
        assert_eq!(clients[0].traffic_limit_bytes, Some(100_000_000_000));
        assert_eq!(panel.clients_on(&shop.server.id).len(), 3);
        let server = ctx.stores.catalog.server(&shop.server.id).await.unwrap().unwrap();
        assert_eq!((server.free_slots, server.held_clients, server.active_clients), (7, 0, 3));

        // A redelivered provisioning job changes nothing.
        shared::worker::dispatch(
            &*ctx.queue,
            &*ctx.clock,
            shared::services::provisioning::PROVISION_JOB,
            &shared::services::provisioning::ProvisionJob { order_id: placed.order.id.clone() },
            Priority::High,
        )
        .await
        .unwrap();
        assert_eq!(drain(&app, Priority::High).await, [MessageOutcome::Done]);
        assert_eq!(ctx.stores.clients.of_customer(&buyer, None).await.unwrap().len(), 3);
        let server = ctx.stores.catalog.server(&shop.server.id).await.unwrap().unwrap();
        assert_eq!(server.active_clients, 3);

        // Events reach the customer's feed; the sale is counted once.
        let events = drain(&app, Priority::Notifications).await;
        assert!(events.iter().all(|o| *o == MessageOutcome::Done), "{events:?}");
        let (feed, _) = ctx.stores.feed.recent(&buyer, 50, None).await.unwrap();
        let names: Vec<&str> = feed.iter().map(|e| e.name()).collect();
        assert_eq!(names.iter().filter(|n| **n == "order.status.changed").count(), 3, "new, processing, completed");
        assert_eq!(names.iter().filter(|n| **n == "client.status.changed").count(), 3);
        assert_eq!(names.iter().filter(|n| **n == "wallet.balance.changed").count(), 1);
        assert!(feed[0].channels().contains(&format!("customer.{buyer}")));
        drain(&app, Priority::Analytics).await;
        let day = ctx.stores.stats.plan_day(&shop.plan.id, placed.order.created_at.date_naive()).await.unwrap();
        assert_eq!((day.orders, day.clients, day.revenue), (1, 3, placed.items[0].total_amount));
    }
}

#[tokio::test]
async fn a_panel_failing_to_the_last_attempt_disputes_the_order_and_frees_capacity() {
    let (app, panel) = app_with_panel(integration_tests::Backend::Memory).await;
    let ctx = &app.ctx;
    let shop = shop(ctx, 5, "10.00").await;
    let buyer = customer(ctx, "100").await;
    let placed = place(ctx, &buyer, order_of(&shop.plan, 2, 1), None).await.unwrap();
    panel.set_reachable(&shop.server.id, false);

    let registry = shared::worker::standard_registry();
    for attempt in 1..=shared::ports::queue::MAX_RECEIVE_COUNT {
        let report =
            poll_once(ctx, &registry, QueueRef::Main(Priority::High), Duration::ZERO, VISIBILITY).await.unwrap();
        let outcome = &report.outcomes[0].1;
        if attempt < shared::ports::queue::MAX_RECEIVE_COUNT {
            assert!(outcome.is_failure(), "attempt {attempt} is retried");
            assert_eq!(
                ctx.stores.orders.get(&placed.order.id).await.unwrap().unwrap().order_status,
                OrderStatus::Processing
            );
        } else {
            assert_eq!(*outcome, MessageOutcome::Done, "the last attempt settles the order");
        }
        app.pass(VISIBILITY + Duration::from_millis(100)).await;
    }
    let order = ctx.stores.orders.get(&placed.order.id).await.unwrap().unwrap();
    assert_eq!(order.order_status, OrderStatus::Dispute);
    let server = ctx.stores.catalog.server(&shop.server.id).await.unwrap().unwrap();
    assert_eq!((server.free_slots, server.held_clients, server.active_clients), (5, 0, 0));
    assert!(ctx.stores.clients.of_customer(&buyer, None).await.unwrap().is_empty());
}

#[tokio::test]
async fn an_orders_clients_are_created_a_few_at_a_time() {
    let (app, panel) = app_with_panel(integration_tests::Backend::Memory).await;
    let ctx = &app.ctx;
    let shop = shop(ctx, 20, "1.00").await;
    let buyer = customer(ctx, "100").await;
    place(ctx, &buyer, order_of(&shop.plan, 10, 1), None).await.unwrap();
    panel.set_latency(Duration::from_millis(20));
    assert_eq!(drain(&app, Priority::High).await, [MessageOutcome::Done]);
    assert_eq!(panel.clients_on(&shop.server.id).len(), 10);
    // Not one call per client in sequence (ten latencies in a row), nor all at once on one panel.
    assert_eq!(panel.most_in_flight(), 4);
}

/// Panels so slow that no delivery finishes within its budget: each delivery gives up in time (the worker's
/// function would otherwise be killed mid-run), none disputes a paid order for slowness, and once the job's
/// deliveries are spent the inventory check's re-drive carries the order on when the panels are quick again.
/// (Tokio's clock is paused: the budget passes without the test waiting for it.)
#[tokio::test(start_paused = true)]
async fn panels_too_slow_for_every_delivery_leave_the_order_to_the_re_drive_not_to_a_dispute() {
    let (app, panel) = app_with_panel(integration_tests::Backend::Memory).await;
    let ctx = &app.ctx;
    let shop = shop(ctx, 5, "10.00").await;
    let buyer = customer(ctx, "100").await;
    let placed = place(ctx, &buyer, order_of(&shop.plan, 2, 1), None).await.unwrap();
    panel.set_latency(Duration::from_secs(60));
    let registry = shared::worker::standard_registry();
    for attempt in 1..=shared::ports::queue::MAX_RECEIVE_COUNT {
        let report =
            poll_once(ctx, &registry, QueueRef::Main(Priority::High), Duration::ZERO, VISIBILITY).await.unwrap();
        assert!(report.outcomes[0].1.is_failure(), "attempt {attempt}: {:?}", report.outcomes);
        app.pass(VISIBILITY + Duration::from_millis(100)).await;
    }
    let status = |app: &TestApp| {
        let id = placed.order.id.clone();
        let orders = app.ctx.stores.orders.clone();
        async move { orders.get(&id).await.unwrap().unwrap().order_status }
    };
    assert_eq!(status(&app).await, OrderStatus::Processing, "slow panels are not a dispute");
    let spent = poll_once(ctx, &registry, QueueRef::Main(Priority::High), Duration::ZERO, VISIBILITY).await.unwrap();
    assert!(spent.outcomes.is_empty(), "the job's deliveries are spent: {:?}", spent.outcomes);

    panel.set_latency(Duration::ZERO);
    app.clock.advance(shared::services::inventory::PROCESSING_STUCK + chrono::Duration::minutes(1));
    let resent = shared::services::inventory::resend_provisioning(
        ctx,
        shared::services::inventory::PROVISIONING_OVERDUE,
        shared::services::inventory::PROCESSING_STUCK,
        shared::services::inventory::HOLD_DURATION,
    )
    .await
    .unwrap();
    assert_eq!(resent.resent, std::slice::from_ref(&placed.order.id));
    assert_eq!(drain(&app, Priority::High).await, [MessageOutcome::Done]);
    assert_eq!(status(&app).await, OrderStatus::Completed);
    assert_eq!(panel.clients_on(&shop.server.id).len(), 2);
}

/// "Stuck" counts from when the order entered `processing`, not from checkout (a job delivered late is not
/// stuck), and an order stuck for a day is left to an operator rather than re-sent every run.
#[tokio::test]
async fn processing_is_re_driven_from_when_it_started_and_for_a_day_at_most() {
    use shared::services::inventory::{
        HOLD_DURATION, PROCESSING_REDRIVE_FOR, PROCESSING_STUCK, PROVISIONING_OVERDUE, resend_provisioning,
    };
    let (app, panel) = app_with_panel(integration_tests::Backend::Memory).await;
    let ctx = &app.ctx;
    let shop = shop(ctx, 5, "10.00").await;
    let buyer = customer(ctx, "100").await;
    let placed = place(ctx, &buyer, order_of(&shop.plan, 1, 1), None).await.unwrap();
    // Its job is delivered two hours late, to a panel that is down: the order enters processing then.
    app.clock.advance(chrono::Duration::hours(2));
    panel.set_reachable(&shop.server.id, false);
    let registry = shared::worker::standard_registry();
    let first = poll_once(ctx, &registry, QueueRef::Main(Priority::High), Duration::ZERO, VISIBILITY).await.unwrap();
    assert!(first.outcomes[0].1.is_failure());
    let redriven = |app: &TestApp| {
        let ctx = app.ctx.clone();
        async move { resend_provisioning(&ctx, PROVISIONING_OVERDUE, PROCESSING_STUCK, HOLD_DURATION).await.unwrap().resent }
    };
    app.clock.advance(chrono::Duration::minutes(1));
    assert!(redriven(&app).await.is_empty(), "processing for a minute, though placed two hours ago");
    app.clock.advance(PROCESSING_STUCK);
    assert_eq!(redriven(&app).await, std::slice::from_ref(&placed.order.id));
    app.clock.advance(PROCESSING_REDRIVE_FOR);
    assert!(redriven(&app).await.is_empty(), "a day stuck: left to an operator");
}
