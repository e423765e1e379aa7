//! Inventory operations on both backends: holds that expire (exactly once against a late provisioning),
//! counter reconciliation, rebalancing executed through the queue worker (redelivery-safe), operators' status
//! changes, and the scheduled check's scaling.

use integration_tests::api::{Call, Caller};
use integration_tests::fixtures::{customer, order_of, shop_at_list_prices};
use integration_tests::{TestApp, drain};
use rust_decimal::Decimal;
use serde_json::json;
use shared::adapters::memory::MemoryPanel;
use shared::domain::SlotCounters;
use shared::domain::*;
use shared::routes;
use shared::services::inventory::check::Applied;
use shared::services::inventory::migration::{MigrateClient, Migrated, migrate_client};
use shared::services::inventory::{
    HOLD_DURATION, InventorySettings, ScalingAction, expire_hold, expire_holds, reconcile, run_check,
};
use shared::services::orders::place;
use shared::services::provisioning::{Provisioned, provision};
use shared::worker::MessageOutcome;
use std::sync::Arc;

integration_tests::on_both_backends!(
    an_order_never_provisioned_gives_its_hold_back_after_24_hours_once,
    expiry_and_a_late_provisioning_race_and_exactly_one_wins_each_order,
    reconciliation_repairs_drifted_counters_and_reports_what_it_fixed,
    a_rebalance_moves_clients_once_even_when_a_migration_is_redelivered,
    a_migration_to_a_target_that_cannot_take_it_moves_nothing,
    operators_set_a_server_status_and_a_draining_server_sells_nothing,
    the_check_applies_scaling_and_asks_for_a_server_once,
    a_lost_provisioning_job_is_sent_again_by_the_check_and_the_order_provisioned_once,
);

fn admin() -> Caller {
    Caller::Admin("ops-admin".into())
}

async fn counters(app: &TestApp, server: &ServerId) -> (u32, u32, u32) {
    let s = app.ctx.stores.catalog.server(server).await.unwrap().unwrap();
    (s.active_clients, s.held_clients, s.free_slots)
}

async fn balance(app: &TestApp, customer: &CustomerId) -> Decimal {
    app.ctx.stores.wallets.get(customer).await.unwrap().unwrap().balance
}

async fn an_order_never_provisioned_gives_its_hold_back_after_24_hours_once(app: TestApp) {
    let ctx = &app.ctx;
    let shop = shop_at_list_prices(ctx, 10, "2.00").await;
    let buyer = customer(ctx, "100").await;
    let placed = place(ctx, &buyer, order_of(&shop.plan, 3, 1), None).await.unwrap();
    assert_eq!(counters(&app, &shop.server.id).await, (0, 3, 7));
    assert_eq!(balance(&app, &buyer).await, Decimal::from(94));

    app.clock.advance(HOLD_DURATION - chrono::Duration::seconds(1));
    let early = expire_holds(ctx, HOLD_DURATION).await.unwrap();
    assert!(early.expired.is_empty(), "a second short of 24 h it still holds: {early:?}");

    app.clock.advance(chrono::Duration::seconds(1));
    let expiry = expire_holds(ctx, HOLD_DURATION).await.unwrap();
    assert_eq!(expiry.expired, std::slice::from_ref(&placed.order.id));
    assert_eq!(counters(&app, &shop.server.id).await, (0, 0, 10), "the capacity is back");
    assert_eq!(balance(&app, &buyer).await, Decimal::from(100), "the payment is back");
    let order = ctx.stores.orders.get(&placed.order.id).await.unwrap().unwrap();
    assert_eq!((order.order_status, order.payment_status), (OrderStatus::Cancelled, PaymentStatus::Refunded));

    let again = expire_holds(ctx, HOLD_DURATION).await.unwrap();
    assert!(again.expired.is_empty() && again.moved_on == 0, "expired once: {again:?}");
    assert_eq!(
        provision(ctx, &placed.order.id, 1).await.unwrap(),
        Provisioned::AlreadyDone,
        "the queued provisioning finds it cancelled and creates nothing"
    );
    assert_eq!(counters(&app, &shop.server.id).await, (0, 0, 10));
}

/// Each overdue order is expired (the sweep's step, from the order read as `new`) and provisioned at the same
/// time, both having read it `new`: on the emulator the two interleave at every call, so which wins varies
/// from order to order. Each order's status moves once, and only the winner touches capacity and money. (In
/// memory no call waits: the expiry, polled first, always wins.)
async fn expiry_and_a_late_provisioning_race_and_exactly_one_wins_each_order(app: TestApp) {
    let ctx = &app.ctx;
    let shop = shop_at_list_prices(ctx, 10, "1.00").await;
    let buyer = customer(ctx, "100").await;
    let mut orders = Vec::new();
    for _ in 0..8 {
        orders.push(place(ctx, &buyer, order_of(&shop.plan, 1, 1), None).await.unwrap().order);
    }
    app.clock.advance(HOLD_DURATION + chrono::Duration::minutes(1));

    let races = orders.iter().map(|order| async move {
        let (expired, provisioned) = futures_util::join!(expire_hold(ctx, order.clone()), provision(ctx, &order.id, 1));
        (expired.unwrap(), provisioned.unwrap())
    });
    let outcomes = futures_util::future::join_all(races).await;

    let (mut completed, mut expired) = (0u32, 0u32);
    for (order, (was_expired, provisioned)) in orders.iter().zip(outcomes) {
        let status = ctx.stores.orders.get(&order.id).await.unwrap().unwrap().order_status;
        match (status, was_expired, provisioned) {
            (OrderStatus::Completed, false, Provisioned::Completed) => completed += 1,
            (OrderStatus::Cancelled, true, Provisioned::AlreadyDone) => expired += 1,
            other => panic!("order {} ended {other:?}", order.id),
        }
    }
    eprintln!("{:?}: {completed} provisioned, {expired} expired", app.backend);
    assert_eq!(completed + expired, 8);
    assert_eq!(
        counters(&app, &shop.server.id).await,
        (completed, 0, 10 - completed),
        "every hold became a client or came back, once"
    );
    assert_eq!(balance(&app, &buyer).await, Decimal::from(92 + expired), "refunded exactly the expired ones");
    let clients = ctx.stores.clients.of_server(&shop.server.id, true).await.unwrap();
    assert_eq!(clients.len() as u32, completed);
    // Nothing left for the sweep.
    let sweep = expire_holds(ctx, HOLD_DURATION).await.unwrap();
    assert!(sweep.expired.is_empty() && sweep.moved_on == 0, "{sweep:?}");
}

async fn reconciliation_repairs_drifted_counters_and_reports_what_it_fixed(app: TestApp) {
    let ctx = &app.ctx;
    let shop = shop_at_list_prices(ctx, 10, "1.00").await;
    let buyer = customer(ctx, "100").await;
    place(ctx, &buyer, order_of(&shop.plan, 2, 1), None).await.unwrap();
    drain(&app, Priority::High).await;
    place(ctx, &buyer, order_of(&shop.plan, 1, 1), None).await.unwrap();
    assert_eq!(counters(&app, &shop.server.id).await, (2, 1, 7));

    let clean = reconcile(ctx).await.unwrap();
    assert!(clean.fixed.is_empty() && clean.changed_while_counting.is_empty(), "{clean:?}");
    assert_eq!(clean.servers_checked, 1);

    let truth = SlotCounters { used: 2, held: 1, free: 7 };
    let drifted = SlotCounters { used: 5, held: 0, free: 5 };
    ctx.stores.catalog.repair_counters(&shop.server.id, truth, drifted).await.unwrap();
    let first = reconcile(ctx).await.unwrap();
    assert!(first.fixed.is_empty(), "a first sighting may be an index lagging behind: {first:?}");
    assert_eq!((first.suspected.len(), first.suspected[0].after), (1, truth));
    assert_eq!(counters(&app, &shop.server.id).await, (5, 0, 5), "not repaired yet");
    let report = reconcile(ctx).await.unwrap();
    assert_eq!(report.fixed.len(), 1, "seen again, unchanged: repaired {report:?}");
    assert_eq!((report.fixed[0].before, report.fixed[0].after), (drifted, truth));
    assert_eq!(report.fixed[0].over_capacity_by, 0);
    assert_eq!(counters(&app, &shop.server.id).await, (2, 1, 7));
    assert!(reconcile(ctx).await.unwrap().fixed.is_empty(), "repaired once");

    // A repair never overwrites a change it did not count: it is conditioned on the counters it corrects.
    let stale = ctx.stores.catalog.repair_counters(&shop.server.id, drifted, truth).await;
    assert!(matches!(stale, Err(shared::error::PortError::Conflict { .. })), "{stale:?}");
}

/// A second server beside the shop's, in its location, selling the same protocol.
async fn neighbour(app: &TestApp, shop: &integration_tests::fixtures::Shop, slots: u32) -> (Server, Plan) {
    let mut server = shop.server.clone();
    server.id = ServerId::generate();
    server.name = "fra-2".into();
    (server.max_clients, server.free_slots) = (slots, slots);
    app.ctx.stores.catalog.create_server(&server).await.unwrap();
    let mut plan = shop.plan.clone();
    plan.id = PlanId::generate();
    plan.server_id = server.id.clone();
    plan.inbound_id = 7;
    app.ctx.stores.catalog.create_plan(&plan).await.unwrap();
    (server, plan)
}

/// The test app with a panel the test can inspect.
async fn with_panel(mut app: TestApp) -> (TestApp, Arc<MemoryPanel>) {
    let panel = Arc::new(MemoryPanel::new());
    app.ctx.panel = panel.clone();
    (app, panel)
}

/// A shop of 50 slots with 45 provisioned clients (90 %) and an empty neighbour of 50: the original's rule
/// moves min(20 % of 45, 80 % of 50) = 9.
async fn busy_and_idle(app: &TestApp) -> (integration_tests::fixtures::Shop, Server, Plan) {
    let ctx = &app.ctx;
    let shop = shop_at_list_prices(ctx, 50, "1.00").await;
    let (idle, idle_plan) = neighbour(app, &shop, 50).await;
    let buyer = customer(ctx, "100").await;
    for _ in 0..5 {
        place(ctx, &buyer, order_of(&shop.plan, 9, 1), None).await.unwrap();
    }
    drain(app, Priority::High).await;
    assert_eq!(counters(app, &shop.server.id).await, (45, 0, 5));
    (shop, idle, idle_plan)
}

async fn a_rebalance_moves_clients_once_even_when_a_migration_is_redelivered(app: TestApp) {
    let (app, panel) = with_panel(app).await;
    let (shop, idle, idle_plan) = busy_and_idle(&app).await;
    let (busy, ctx) = (&shop.server.id, &app.ctx);

    let dry = Call::to(&routes::INVENTORY_REBALANCE, &[]).by(&admin()).json(json!({})).send(&app).await;
    assert_eq!(dry.status, 200, "{}", dry.body);
    assert_eq!(dry.body["data"]["dry_run"], true, "a dry run unless asked otherwise");
    assert_eq!(dry.body["data"]["clients_planned"], 9);
    assert_eq!(dry.body["data"]["plan"][0]["from"], busy.as_str());
    assert_eq!(dry.body["data"]["plan"][0]["to"], idle.id.as_str());
    assert_eq!(dry.body["data"]["jobs"], json!([]));
    assert_eq!(counters(&app, busy).await, (45, 0, 5), "a dry run moves nothing");

    let run = Call::to(&routes::INVENTORY_REBALANCE, &[])
        .by(&admin())
        .json(json!({"dry_run": false, "location": "Frankfurt", "limit": 4}))
        .send(&app)
        .await;
    assert_eq!(run.status, 200, "{}", run.body);
    let jobs = run.body["data"]["jobs"].as_array().unwrap().clone();
    assert_eq!(jobs.len(), 4, "{}", run.body);
    assert!(
        jobs.iter()
            .all(|j| j["job_id"].as_str().unwrap().starts_with("migrate:") && j["to_plan"] == idle_plan.id.as_str())
    );

    let outcomes = drain(&app, Priority::Low).await;
    assert!(outcomes.len() == 4 && outcomes.iter().all(|o| *o == MessageOutcome::Done), "{outcomes:?}");
    assert_eq!(counters(&app, busy).await, (41, 0, 9));
    assert_eq!(counters(&app, &idle.id).await, (4, 0, 46));
    assert_eq!(panel.clients_on(busy).len(), 41);
    assert_eq!(panel.clients_on(&idle.id).len(), 4);
    assert!(panel.clients_on(&idle.id).iter().all(|c| c.inbound_id == 7), "on the target plan's inbound");
    let moved = ctx.stores.clients.of_server(&idle.id, true).await.unwrap();
    assert_eq!(moved.len(), 4);
    assert!(moved.iter().all(|c| c.plan_id == idle_plan.id));

    // Redelivered after it moved: only the source panel's copy is (again) removed; the counters stay.
    let first: MigrateClient = serde_json::from_value(jobs[0].clone()).unwrap();
    assert_eq!(migrate_client(ctx, &first).await.unwrap(), Migrated::AlreadyMoved);
    assert_eq!(counters(&app, busy).await, (41, 0, 9));
    assert_eq!(counters(&app, &idle.id).await, (4, 0, 46));

    // Two deliveries of one new migration at once: one moves, the other finds it moved.
    let client = ctx.stores.clients.of_server(busy, true).await.unwrap().remove(0);
    let job = MigrateClient {
        client_id: client.id.clone(),
        from: busy.clone(),
        from_plan: shop.plan.id.clone(),
        to: idle.id.clone(),
        to_plan: idle_plan.id.clone(),
        source_draining: false,
    };
    let (a, b) = futures_util::join!(migrate_client(ctx, &job), migrate_client(ctx, &job));
    let mut outcomes = [a.unwrap(), b.unwrap()];
    outcomes.sort_by_key(|o| format!("{o:?}"));
    assert_eq!(outcomes, [Migrated::AlreadyMoved, Migrated::Moved]);
    assert_eq!(counters(&app, busy).await, (40, 0, 10));
    assert_eq!(counters(&app, &idle.id).await, (5, 0, 45));
    assert_eq!(panel.clients_on(busy).len(), 40);
    assert!(reconcile(ctx).await.unwrap().fixed.is_empty(), "counters agree with the clients");
}

async fn a_migration_to_a_target_that_cannot_take_it_moves_nothing(app: TestApp) {
    let (app, panel) = with_panel(app).await;
    let (shop, idle, idle_plan) = busy_and_idle(&app).await;
    let ctx = &app.ctx;
    let client = ctx.stores.clients.of_server(&shop.server.id, true).await.unwrap().remove(0);
    let job = MigrateClient {
        client_id: client.id.clone(),
        from: shop.server.id.clone(),
        from_plan: shop.plan.id.clone(),
        to: idle.id.clone(),
        to_plan: idle_plan.id.clone(),
        source_draining: false,
    };
    // A client whose order provisioning has not finished stays: provisioning settles its counters first.
    let now = ctx.clock.now();
    ctx.stores.orders.transition(&client.order_id, OrderStatus::Completed, OrderStatus::Processing, now).await.unwrap();
    assert_eq!(migrate_client(ctx, &job).await.unwrap(), Migrated::NotSettled);
    ctx.stores.orders.transition(&client.order_id, OrderStatus::Processing, OrderStatus::Completed, now).await.unwrap();

    // Queued to empty a draining server that is back in service: it stays.
    let draining_job = MigrateClient { source_draining: true, ..job.clone() };
    assert_eq!(migrate_client(ctx, &draining_job).await.unwrap(), Migrated::SourceBackInService);

    ctx.stores.catalog.set_status(&idle.id, ServerStatus::Up, ServerStatus::Paused).await.unwrap();
    assert_eq!(migrate_client(ctx, &job).await.unwrap(), Migrated::TargetUnavailable);
    ctx.stores.catalog.set_status(&idle.id, ServerStatus::Paused, ServerStatus::Up).await.unwrap();
    // Full by the time the move commits (the counters say so: the panel copy is made, then taken back).
    ctx.stores
        .catalog
        .repair_counters(
            &idle.id,
            SlotCounters { used: 0, held: 0, free: 50 },
            SlotCounters { used: 0, held: 50, free: 0 },
        )
        .await
        .unwrap();
    assert_eq!(migrate_client(ctx, &job).await.unwrap(), Migrated::TargetFull);
    assert!(panel.clients_on(&idle.id).is_empty(), "the copy on the full target was removed");
    assert_eq!(counters(&app, &shop.server.id).await, (45, 0, 5));
    assert_eq!(ctx.stores.clients.get(&client.id).await.unwrap().unwrap().server_id, shop.server.id);
}

async fn operators_set_a_server_status_and_a_draining_server_sells_nothing(app: TestApp) {
    let shop = shop_at_list_prices(&app.ctx, 10, "1.00").await;
    let id = shop.server.id.as_str();
    let set =
        |status: &str| Call::to(&routes::INVENTORY_SERVER_STATUS, &[id]).by(&admin()).json(json!({ "status": status }));
    let drained = set("draining").send(&app).await;
    assert_eq!(drained.status, 200, "{}", drained.body);
    assert_eq!(
        (drained.body["data"]["previous_status"].as_str(), drained.body["data"]["server"]["status"].as_str()),
        (Some("up"), Some("draining"))
    );

    let buyer = Caller::customer(&customer(&app.ctx, "100").await);
    let refused = Call::to(&routes::ORDERS_CREATE, &[])
        .by(&buyer)
        .json(json!({"server_id": shop.server.id, "plan_id": shop.plan.id, "quantity": 1, "payment_method": "wallet"}))
        .send(&app)
        .await;
    assert_eq!(
        (refused.status, refused.body["error_code"].as_str()),
        (400, Some("server_unavailable")),
        "{}",
        refused.body
    );

    let view = Call::to(&routes::INVENTORY_GET, &[]).by(&admin()).send(&app).await;
    assert_eq!(view.status, 200, "{}", view.body);
    assert_eq!(view.body["data"]["capacity"]["servers"][0]["status"], "draining");

    let invalid = set("maintenance").send(&app).await;
    assert_eq!(invalid.status, 422);
    assert_eq!(invalid.field_errors("status").len(), 1);
    let unknown = Call::to(&routes::INVENTORY_SERVER_STATUS, &["nope"])
        .by(&admin())
        .json(json!({"status": "up"}))
        .send(&app)
        .await;
    assert_eq!(unknown.status, 404);
    let back = set("up").send(&app).await;
    assert_eq!(back.body["data"]["server"]["status"], "up");
}

async fn the_check_applies_scaling_and_asks_for_a_server_once(app: TestApp) {
    let ctx = &app.ctx;
    let settings = InventorySettings::default();
    let shop = shop_at_list_prices(ctx, 10, "1.00").await;
    let buyer = customer(ctx, "100").await;
    place(ctx, &buyer, order_of(&shop.plan, 9, 1), None).await.unwrap();

    // Every run is archived under its time: the checks run 15 minutes apart, as scheduled.
    let next_run = || app.clock.advance(chrono::Duration::minutes(15));
    let frankfurt = |run: &shared::services::inventory::InventoryCheck| {
        run.scaling.iter().find(|s| s.decision.location == "Frankfurt").cloned().unwrap()
    };
    let first = run_check(ctx, &settings).await.unwrap();
    assert!(first.errors.is_empty(), "{:?}", first.errors);
    let step = frankfurt(&first);
    assert_eq!(step.decision.action, ScalingAction::ProvisionServer, "90 % and no standby");
    assert!(matches!(step.applied, Applied::AlertRaised { .. }), "{:?}", step.applied);
    next_run();
    let second = run_check(ctx, &settings).await.unwrap();
    assert_eq!(frankfurt(&second).applied, Applied::AlreadyRaised, "asked once, not every 15 minutes");

    let (standby, _) = neighbour(&app, &shop, 20).await;
    ctx.stores.catalog.set_status(&standby.id, ServerStatus::Up, ServerStatus::Paused).await.unwrap();
    next_run();
    let third = run_check(ctx, &settings).await.unwrap();
    assert_eq!(
        frankfurt(&third).applied,
        Applied::StatusChanged { server_id: standby.id.clone(), from: ServerStatus::Paused, to: ServerStatus::Up }
    );
    assert_eq!(ctx.stores.catalog.server(&standby.id).await.unwrap().unwrap().status, ServerStatus::Up);

    // 9 of 30 now: within bounds. Every run is archived with its inputs.
    next_run();
    let fourth = run_check(ctx, &settings).await.unwrap();
    assert_eq!(frankfurt(&fourth).decision.action, ScalingAction::Hold);
    let archived = ctx.stores.inventory.recent_checks::<shared::services::inventory::InventoryCheck>(10).await.unwrap();
    assert_eq!(archived.len(), 4);
    assert_eq!(archived[0], fourth, "newest first, as it ran");
    assert_eq!(archived[3].scaling[0].decision.slots.committed(), 9);
}

/// Checkout's send of the provisioning job failed after the order committed (here: the message is taken off
/// the queue unrun). The check sends it again once the order has been `new` for 5 minutes, under the same job
/// id; the order is provisioned once, and a job that was only slow would run once too.
async fn a_lost_provisioning_job_is_sent_again_by_the_check_and_the_order_provisioned_once(app: TestApp) {
    let ctx = &app.ctx;
    let shop = shop_at_list_prices(ctx, 10, "2.00").await;
    let buyer = customer(ctx, "100").await;
    let placed = place(ctx, &buyer, order_of(&shop.plan, 2, 1), None).await.unwrap();
    let high = shared::ports::QueueRef::Main(Priority::High);
    let wait = std::time::Duration::from_secs(if app.backend == integration_tests::Backend::Aws { 2 } else { 0 });
    let lost = ctx.queue.receive(high, 10, wait, std::time::Duration::from_secs(30)).await.unwrap();
    assert_eq!(lost.len(), 1, "checkout sent the provisioning job");
    ctx.queue.delete(high, &lost[0].receipt_handle).await.unwrap();

    let settings = InventorySettings::default();
    let early = run_check(ctx, &settings).await.unwrap();
    assert_eq!(early.provisioning_resent.unwrap().resent_total, 0, "a fresh order is left to its own job");

    app.clock.advance(chrono::Duration::minutes(6));
    let check = run_check(ctx, &settings).await.unwrap();
    assert_eq!(check.provisioning_resent.unwrap().resent, std::slice::from_ref(&placed.order.id));
    assert_eq!(drain(&app, Priority::High).await, [MessageOutcome::Done]);
    let order = ctx.stores.orders.get(&placed.order.id).await.unwrap().unwrap();
    assert_eq!(order.order_status, OrderStatus::Completed);
    assert_eq!(counters(&app, &shop.server.id).await, (2, 0, 8));

    // Provisioned: nothing to send again; and the job sent twice (slow, not lost) still provisions once.
    app.clock.advance(chrono::Duration::minutes(6));
    let after = run_check(ctx, &settings).await.unwrap();
    assert_eq!(after.provisioning_resent.unwrap().resent_total, 0);
    shared::worker::dispatch_as(
        &*ctx.queue,
        &*ctx.clock,
        shared::services::provisioning::job_id(&placed.order.id),
        shared::services::provisioning::PROVISION_JOB,
        &shared::services::provisioning::ProvisionJob { order_id: placed.order.id.clone() },
        Priority::High,
    )
    .await
    .unwrap();
    drain(&app, Priority::High).await;
    assert_eq!(counters(&app, &shop.server.id).await, (2, 0, 8), "provisioned once");
    assert_eq!(ctx.stores.clients.of_customer(&buyer, None).await.unwrap().len(), 2);
}
