//! Each view kept in the cache of views, read through its endpoint on both backends: a write shows on the
//! next read, on the instance that wrote and on another (every route is its own function in Lambda, so the
//! reader is never the writer there).

use integration_tests::TestApp;
use integration_tests::api::{Call, Caller, money};
use integration_tests::fixtures::{customer, dec, shop_at_list_prices};
use serde_json::json;
use shared::domain::*;
use shared::routes;
use shared::services::cache::StoreName;
use shared::store::Failure;

integration_tests::on_both_backends!(
    a_customers_new_order_shows_in_their_orders_list_on_any_instance,
    a_credit_shows_in_the_wallet_on_any_instance,
    new_pricing_rules_show_in_the_overview,
    a_server_status_change_shows_in_the_inventory_overview,
    a_deleted_failed_job_leaves_the_queue_overview,
    a_second_read_of_an_overview_is_served_from_the_cache,
);

fn admin() -> Caller {
    Caller::Admin("admin-1".into())
}

async fn a_customers_new_order_shows_in_their_orders_list_on_any_instance(app: TestApp) {
    let shop = shop_at_list_prices(&app.ctx, 10, "5.00").await;
    let buyer = customer(&app.ctx, "100").await;
    let caller = Caller::customer(&buyer);
    let list = || Call::to(&routes::ORDERS_LIST, &[]).by(&caller);
    let other = app.on_another_instance();
    assert_eq!(list().send(&app).await.body["data"]["orders"], json!([]));
    assert_eq!(list().send(&other).await.body["data"]["orders"], json!([]), "cached on both instances");

    let body = json!({"server_id": shop.server.id, "plan_id": shop.plan.id, "quantity": 1, "payment_method": "wallet"});
    let placed = Call::to(&routes::ORDERS_CREATE, &[]).by(&caller).json(body).send(&app).await;
    assert_eq!(placed.status, 201, "{}", placed.body);
    let order_id = placed.body["data"]["order"]["id"].clone();
    for instance in [&app, &other] {
        let orders = list().send(instance).await.body["data"]["orders"].clone();
        assert_eq!(orders.as_array().map(Vec::len), Some(1), "{orders}");
        assert_eq!(orders[0]["id"], order_id);
    }
    // Cancelled on the other instance: the first sees it at once too.
    let id = order_id.as_str().unwrap();
    let cancelled = Call::to(&routes::ORDERS_CANCEL, &[id]).by(&caller).send(&other).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    assert_eq!(list().send(&app).await.body["data"]["orders"][0]["order_status"], "cancelled");
}

async fn a_credit_shows_in_the_wallet_on_any_instance(app: TestApp) {
    let who = customer(&app.ctx, "10").await;
    let wallet = || Call::to(&routes::WALLET_GET, &[]).by(&Caller::customer(&who));
    let other = app.on_another_instance();
    assert_eq!(money(&wallet().send(&app).await.body["data"]["balance"]), dec("10"));
    assert_eq!(money(&wallet().send(&other).await.body["data"]["balance"]), dec("10"));
    // A second later than the opening deposit, so the credit is the newest transaction.
    app.clock.advance(chrono::Duration::seconds(1));
    let credited = Call::to(&routes::WALLET_CREDIT, &[who.as_str()])
        .by(&admin())
        .json(json!({"amount": "2.50", "reason": "goodwill"}))
        .send(&other)
        .await;
    assert_eq!(credited.status, 201, "{}", credited.body);
    for instance in [&app, &other] {
        let reply = wallet().send(instance).await;
        assert_eq!(money(&reply.body["data"]["balance"]), dec("12.50"));
        assert_eq!(reply.body["data"]["transactions"][0]["description"], "goodwill");
    }
}

async fn new_pricing_rules_show_in_the_overview(app: TestApp) {
    let _shop = shop_at_list_prices(&app.ctx, 10, "5.00").await;
    let overview = || Call::to(&routes::PRICING_GET, &[]).by(&admin());
    let other = app.on_another_instance();
    let before = overview().send(&app).await.body["data"].clone();
    let version = before["active"]["version"].as_u64().unwrap();
    assert_eq!(overview().send(&other).await.body["data"]["active"]["version"], json!(version));
    let mut rules = before["active"]["rules"].clone();
    rules["dynamic"]["enabled"] = json!(true);
    let published = Call::to(&routes::PRICING_RULES_UPDATE, &[])
        .by(&admin())
        .json(json!({"rules": rules, "base_version": version, "note": "dynamic on"}))
        .send(&app)
        .await;
    assert_eq!(published.status, 201, "{}", published.body);
    assert_eq!(
        overview().send(&app).await.body["data"]["active"]["version"],
        json!(version + 1),
        "the writer's next read"
    );
    assert_eq!(overview().send(&other).await.body["data"]["active"]["version"], json!(version + 1), "another instance");
}

async fn a_server_status_change_shows_in_the_inventory_overview(app: TestApp) {
    let shop = shop_at_list_prices(&app.ctx, 10, "5.00").await;
    let id = shop.server.id.as_str();
    let status_of = |body: &serde_json::Value| {
        body["data"]["capacity"]["servers"]
            .as_array()
            .and_then(|servers| servers.iter().find(|s| s["server_id"] == id))
            .map(|s| s["status"].clone())
    };
    let overview = || Call::to(&routes::INVENTORY_GET, &[]).by(&admin());
    let other = app.on_another_instance();
    assert_eq!(status_of(&overview().send(&app).await.body), Some(json!("up")));
    assert_eq!(status_of(&overview().send(&other).await.body), Some(json!("up")));
    let set = Call::to(&routes::INVENTORY_SERVER_STATUS, &[id]).by(&admin()).json(json!({"status": "paused"}));
    assert_eq!(set.send(&app).await.status, 200);
    assert_eq!(status_of(&overview().send(&app).await.body), Some(json!("paused")));
    assert_eq!(status_of(&overview().send(&other).await.body), Some(json!("paused")));
}

async fn a_deleted_failed_job_leaves_the_queue_overview(app: TestApp) {
    let failure = Failure {
        job_id: "failed-once",
        job_type: "order.provision",
        queue: Some(Priority::High),
        message_id: "m",
        error: "boom",
        attempt: 3,
        payload: &json!({}),
        dead: true,
        at: app.ctx.clock.now(),
    };
    app.ctx.stores.failed_jobs.record(&failure).await.unwrap();
    let failed_ids = |body: &serde_json::Value| -> Vec<String> {
        body["data"]["recent_failed_jobs"].as_array().unwrap().iter().map(|f| f["job_id"].to_string()).collect()
    };
    let overview = || Call::to(&routes::QUEUE_OVERVIEW, &[]).by(&admin());
    assert_eq!(failed_ids(&overview().send(&app).await.body), vec!["\"failed-once\""]);
    let deleted = Call::to(&routes::QUEUE_FAILED_DELETE, &["failed-once"]).by(&admin()).send(&app).await;
    assert_eq!(deleted.status, 200);
    assert_eq!(failed_ids(&overview().send(&app).await.body), Vec::<String>::new());
}

async fn a_second_read_of_an_overview_is_served_from_the_cache(app: TestApp) {
    let _shop = shop_at_list_prices(&app.ctx, 10, "5.00").await;
    for spec in [&routes::PRICING_GET, &routes::INVENTORY_GET, &routes::QUEUE_OVERVIEW] {
        let first = Call::to(spec, &[]).by(&admin()).send(&app).await;
        let second = Call::to(spec, &[]).by(&admin()).send(&app).await;
        assert_eq!((first.status, second.status), (200, 200), "{}", spec.name);
        assert_eq!(first.body["data"], second.body["data"], "{}", spec.name);
    }
    let stats = app.ctx.views.stats();
    use shared::services::cache::stats::Metric;
    assert_eq!(stats.pending(StoreName::Default, Metric::L1Hits), 3, "each overview's second read");
    assert_eq!(stats.pending(StoreName::Default, Metric::Loads), 3, "each loaded once");
}
