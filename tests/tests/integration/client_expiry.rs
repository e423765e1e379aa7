//! Client expiry on both backends: the hourly sweep queues one job per client past its subscription, the
//! worker takes it off its panel, makes it inactive and frees its slot — once, whatever is redelivered or
//! swept again; a panel that is down keeps the client until its job succeeds; customers are told three days
//! before, once.

use integration_tests::fixtures::{customer, order_of, shop};
use integration_tests::{TestApp, drain};
use serde_json::json;
use shared::adapters::memory::MemoryPanel;
use shared::domain::*;
use shared::ports::QueueRef;
use shared::services::inventory::expiry::EXPIRY_NOTICE;
use shared::services::orders::place;
use shared::worker::{MessageOutcome, poll_once};
use std::sync::Arc;
use std::time::Duration;

integration_tests::on_both_backends!(
    a_client_past_its_expiry_leaves_its_panel_and_frees_its_slot_once,
    a_panel_that_is_down_keeps_the_client_until_its_expiry_job_succeeds,
    customers_are_told_three_days_before_once,
    clients_expired_before_the_hourly_lookback_are_found_by_a_backfill,
);

/// A provisioned order of `quantity` one-month clients on a 10-slot server, with a panel the test can see.
async fn provisioned(mut app: TestApp, quantity: u32) -> (TestApp, Arc<MemoryPanel>, ServerId, Vec<ServerClient>) {
    let panel = Arc::new(MemoryPanel::new());
    app.ctx.panel = panel.clone();
    let shop = shop(&app.ctx, 10, "10.00").await;
    let buyer = customer(&app.ctx, "100").await;
    place(&app.ctx, &buyer, order_of(&shop.plan, quantity, 1), None).await.unwrap();
    assert_eq!(drain(&app, Priority::High).await, vec![MessageOutcome::Done]);
    drain(&app, Priority::Notifications).await;
    let clients = app.ctx.stores.clients.of_customer(&buyer, None).await.unwrap();
    assert_eq!(clients.len(), quantity as usize);
    (app, panel, shop.server.id, clients)
}

async fn sweep(app: &TestApp) -> serde_json::Value {
    let payload = json!({"scheduled_time": "2026-11-25T13:30:00Z"});
    shared::services::inventory::scheduled::client_expiry(&app.ctx, payload).await.expect("the sweep")
}

async fn counters(app: &TestApp, server: &ServerId) -> (u32, u32, u32) {
    let server = app.ctx.stores.catalog.server(server).await.unwrap().unwrap();
    (server.free_slots, server.held_clients, server.active_clients)
}

/// Moves the clock to `to` (the clients' expiry plus or minus).
fn at(app: &TestApp, to: chrono::DateTime<chrono::Utc>) {
    app.clock.set(to);
}

async fn a_client_past_its_expiry_leaves_its_panel_and_frees_its_slot_once(app: TestApp) {
    let (app, panel, server, clients) = provisioned(app, 2).await;
    assert_eq!(counters(&app, &server).await, (8, 0, 2));
    at(&app, clients[0].expires_at + chrono::Duration::minutes(5));

    assert_eq!(sweep(&app).await["queued"], 2);
    assert_eq!(drain(&app, Priority::Low).await, vec![MessageOutcome::Done; 2]);
    assert!(panel.clients_on(&server).is_empty(), "off the panel");
    assert_eq!(counters(&app, &server).await, (10, 0, 0), "the slots are free");
    for client in &clients {
        assert!(!app.ctx.stores.clients.get(&client.id).await.unwrap().unwrap().is_active);
    }
    assert!(app.ctx.stores.clients.of_server(&server, true).await.unwrap().is_empty());
    assert_eq!(app.ctx.stores.clients.of_server(&server, false).await.unwrap().len(), 2);
    drain(&app, Priority::Notifications).await;
    let (feed, _) = app.ctx.stores.feed.recent(&clients[0].customer_id, 50, None).await.unwrap();
    let ended = feed
        .iter()
        .filter(|e| {
            matches!(
                e,
                DomainEvent::ClientStatusChanged {
                    new_status: ClientStatus::Inactive,
                    old_status: Some(ClientStatus::Active),
                    ..
                }
            )
        })
        .count();
    assert_eq!(ended, 2, "the customer is told");

    // Swept again, and a job delivered again: nothing moves twice.
    assert_eq!(sweep(&app).await["queued"], 0, "out of the expiry index");
    let job = shared::services::inventory::expiry::ExpireClient { client_id: clients[0].id.clone() };
    shared::worker::dispatch(
        &*app.ctx.queue,
        &*app.ctx.clock,
        shared::services::inventory::expiry::EXPIRE_CLIENT_JOB,
        &job,
        Priority::Low,
    )
    .await
    .unwrap();
    assert_eq!(drain(&app, Priority::Low).await, vec![MessageOutcome::Done]);
    assert_eq!(counters(&app, &server).await, (10, 0, 0));
}

async fn a_panel_that_is_down_keeps_the_client_until_its_expiry_job_succeeds(app: TestApp) {
    let (app, panel, server, clients) = provisioned(app, 1).await;
    at(&app, clients[0].expires_at + chrono::Duration::minutes(5));
    panel.set_reachable(&server, false);
    assert_eq!(sweep(&app).await["queued"], 1);
    let registry = shared::worker::standard_registry();
    let visibility = Duration::from_secs(1);
    let wait = if app.backend == integration_tests::Backend::Aws { Duration::from_secs(2) } else { Duration::ZERO };
    let first = poll_once(&app.ctx, &registry, QueueRef::Main(Priority::Low), wait, visibility).await.unwrap();
    assert!(first.outcomes[0].1.is_failure(), "{:?}", first.outcomes);
    assert_eq!(counters(&app, &server).await, (9, 0, 1), "still served, still counted");
    assert!(app.ctx.stores.clients.get(&clients[0].id).await.unwrap().unwrap().is_active);

    panel.set_reachable(&server, true);
    app.pass(visibility + Duration::from_millis(200)).await;
    let second = poll_once(&app.ctx, &registry, QueueRef::Main(Priority::Low), wait, visibility).await.unwrap();
    assert_eq!(second.outcomes[0].1, MessageOutcome::Done);
    assert!(panel.clients_on(&server).is_empty());
    assert_eq!(counters(&app, &server).await, (10, 0, 0));
}

async fn customers_are_told_three_days_before_once(app: TestApp) {
    let (app, _panel, server, clients) = provisioned(app, 2).await;
    // Four days before: not yet.
    at(&app, clients[0].expires_at - EXPIRY_NOTICE - chrono::Duration::days(1));
    assert_eq!(sweep(&app).await["noticed"], 0);
    at(&app, clients[0].expires_at - chrono::Duration::days(2));
    let swept = sweep(&app).await;
    assert_eq!((swept["noticed"].as_u64(), swept["queued"].as_u64()), (Some(2), Some(0)), "{swept}");
    assert_eq!(sweep(&app).await["noticed"], 0, "once");
    drain(&app, Priority::Notifications).await;
    let (feed, _) = app.ctx.stores.feed.recent(&clients[0].customer_id, 50, None).await.unwrap();
    let told: Vec<_> = feed.iter().filter(|e| e.name() == "client.expiring").collect();
    assert_eq!(told.len(), 2);
    assert!(
        told.iter().all(
            |e| matches!(e, DomainEvent::ClientExpiring { expires_at, .. } if *expires_at == clients[0].expires_at)
        )
    );
    assert_eq!(counters(&app, &server).await, (8, 0, 2), "still theirs until it expires");
}

async fn clients_expired_before_the_hourly_lookback_are_found_by_a_backfill(app: TestApp) {
    let (app, panel, server, clients) = provisioned(app, 1).await;
    // Expired 40 days ago (say, before the first deploy of the sweep): the hourly look back of 30 days misses it.
    at(&app, clients[0].expires_at + chrono::Duration::days(40));
    assert_eq!(sweep(&app).await["queued"], 0);
    let payload = json!({"scheduled_time": "2026-11-25T13:30:00Z", "lookback_days": 45});
    let backfill =
        shared::services::inventory::scheduled::client_expiry(&app.ctx, payload).await.expect("the backfill");
    assert_eq!((backfill["queued"].as_u64(), backfill["lookback_days"].as_u64()), (Some(1), Some(45)), "{backfill}");
    assert_eq!(drain(&app, Priority::Low).await, vec![MessageOutcome::Done]);
    assert!(panel.clients_on(&server).is_empty());
    for bad in [json!(0), json!(3651), json!("ninety")] {
        let refused = shared::services::inventory::scheduled::client_expiry(&app.ctx, json!({"lookback_days": bad}))
            .await
            .unwrap_err();
        assert!(refused.contains("lookback_days must be"), "{refused}");
    }
}
