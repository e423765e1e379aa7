//! `GET /admin/system/dashboard` on both backends: every tile from what is kept (the 5-minute check's report, the
//! open alerts, the overviews, the caller's notifications), the status unknown until a check ran, and a part
//! that cannot be read (Redis down) named while the rest is shown.

use integration_tests::api::{Call, Caller, Reply};
use integration_tests::{TestApp, drain};
use shared::domain::{CustomerId, Priority};
use shared::ports::QueueRef;
use shared::routes;

integration_tests::on_both_backends!(the_dashboard_shows_every_tile_from_what_is_kept);

async fn dashboard(app: &TestApp, caller: &Caller) -> Reply {
    Call::to(&routes::SYSTEM_DASHBOARD, &[]).by(caller).send(app).await
}

async fn the_dashboard_shows_every_tile_from_what_is_kept(app: TestApp) {
    use integration_tests::fixtures::shop;
    let admin = Caller::Admin("ops".into());
    shop(&app.ctx, 10, "5.00").await;

    // Before any health check: unknown, and it says why; the rest is there.
    let cold = dashboard(&app, &admin).await;
    assert_eq!(cold.status, 200, "{}", cold.body);
    let data = &cold.body["data"];
    assert_eq!(data["status"], "unknown");
    assert!(data["health"]["note"].as_str().unwrap().contains("No health check"), "{data}");
    assert_eq!(data["alerts"]["open"], serde_json::json!([]));
    assert_eq!(data["queues"]["stats"]["queues"].as_array().unwrap().len(), 5, "{data}");
    assert_eq!(data["capacity"]["locations"][0]["location"], "Frankfurt", "{data}");
    assert_eq!(data["notifications"], serde_json::json!({"unread_count": 0, "unread_more": false}));
    assert_eq!(data["analytics"]["orders"], 0, "today's sales: {data}");
    assert_eq!(data["operations"]["release"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(data["unavailable"], serde_json::json!([]));

    // A backlog on `high`; the 5-minute check sees it, alerts, and the dashboard shows its report.
    for _ in 0..120 {
        app.ctx.queue.send(QueueRef::Main(Priority::High), "{}", None).await.unwrap();
    }
    use shared::services::monitoring::scheduled::health_check;
    integration_tests::workers_ran_lately(&app).await;
    health_check(&app.ctx, serde_json::json!({})).await.unwrap();
    drain(&app, Priority::Notifications).await;
    let warm = dashboard(&app, &admin).await;
    let data = &warm.body["data"];
    assert_eq!(data["status"], "degraded", "{data}");
    let checks: Vec<&str> =
        data["health"]["report"]["checks"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(checks, ["servers", "application", "cache", "storage"]);
    assert_eq!(data["cache"]["check"]["name"], "cache");
    assert_eq!(data["cache"]["probe"]["name"], "cache");
    assert_eq!(
        (data["alerts"]["warning"].as_u64(), data["alerts"]["more"].as_bool()),
        (Some(1), Some(false)),
        "{data}"
    );
    assert_eq!(data["alerts"]["open"][0]["dedup_key"], "system-health:queue:high:backlog");
    assert_eq!(data["notifications"]["unread_count"], 1, "the alert's notification, unread by this admin");

    let customer = Caller::customer(&CustomerId::generate());
    assert_eq!(dashboard(&app, &customer).await.status, 403);
}

/// Redis stopped (its link cut: the in-memory backend has no plain-cache outage to stage).
#[tokio::test]
async fn a_part_that_cannot_be_read_is_named_and_the_rest_shown() {
    let (app, outage) = TestApp::with_cache_outage(integration_tests::Backend::Aws).await;
    let admin = Caller::Admin("ops".into());
    use shared::services::monitoring::scheduled::health_check;
    health_check(&app.ctx, serde_json::json!({})).await.unwrap();
    outage.stop();
    let reply = dashboard(&app, &admin).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let data = &reply.body["data"];
    assert_eq!(data["status"], "unknown", "the check's report is in the cache: {data}");
    let unavailable: Vec<&str> = data["unavailable"].as_array().unwrap().iter().map(|u| u.as_str().unwrap()).collect();
    assert!(unavailable.iter().any(|u| u.starts_with("health: ")), "{unavailable:?}");
    assert!(data["alerts"].is_object() && data["notifications"].is_object(), "read from the store: {data}");
    outage.restart();
    // Past the Redis link's breaker, which keeps it from being called for a few seconds after a failure.
    app.clock.advance(chrono::Duration::seconds(10));
    let back = dashboard(&app, &admin).await;
    assert_eq!(back.body["data"]["unavailable"], serde_json::json!([]), "{}", back.body);
}
