//! The cache's endpoints (`GET /admin/system/cache`, `POST /admin/system/cache/warmup`, `POST
//! /admin/system/cache/clear`) and the hourly `cache-warmup`, on both backends: figures that follow the traffic,
//! warm-up single-flight and idempotent, clearing exactly what was asked, bad bodies as 422s, and the cache
//! stopped mid-test — customers and admins still answered, the overview and the health check saying so.

use integration_tests::api::{Call, Caller};
use integration_tests::fixtures::{customer, shop_at_list_prices};
use integration_tests::{Backend, TestApp};
use serde_json::{Value, json};
use shared::routes;
use shared::services::cache::StoreName;

integration_tests::on_both_backends!(
    the_overview_counts_each_tiers_hits_and_misses_and_lists_keys_tags_and_warmers,
    a_warmup_loads_each_view_once_and_a_second_finds_them_warm,
    concurrent_warmups_run_one_at_a_time,
    a_warmup_names_real_warmers,
    clearing_by_tag_store_or_all_removes_exactly_that,
    clear_bodies_that_name_no_single_target_are_422,
    the_hourly_warmup_runs_every_warmer,
);

fn admin() -> Caller {
    Caller::Admin("admin-1".into())
}

async fn overview(app: &TestApp) -> Value {
    let reply = Call::to(&routes::SYSTEM_CACHE, &[]).by(&admin()).send(app).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["data"].clone()
}

fn store<'a>(overview: &'a Value, name: &str) -> &'a Value {
    overview["stores"].as_array().unwrap().iter().find(|s| s["store"] == name).unwrap()
}

async fn warmup(app: &TestApp, body: Value) -> (u16, Value) {
    let reply = Call::to(&routes::SYSTEM_CACHE_WARMUP, &[]).by(&admin()).json(body).send(app).await;
    (reply.status, reply.body)
}

async fn clear(app: &TestApp, body: Value) -> (u16, Value) {
    let reply = Call::to(&routes::SYSTEM_CACHE_CLEAR, &[]).by(&admin()).json(body).send(app).await;
    (reply.status, reply.body)
}

async fn the_overview_counts_each_tiers_hits_and_misses_and_lists_keys_tags_and_warmers(app: TestApp) {
    let _shop = shop_at_list_prices(&app.ctx, 10, "5.00").await;
    let buyer = customer(&app.ctx, "20").await;
    // Pricing overview: a miss (loaded), then two instance hits. The wallet: a Redis miss, then a Redis hit.
    for _ in 0..3 {
        assert_eq!(Call::to(&routes::PRICING_GET, &[]).by(&admin()).send(&app).await.status, 200);
    }
    for _ in 0..2 {
        assert_eq!(Call::to(&routes::WALLET_GET, &[]).by(&Caller::customer(&buyer)).send(&app).await.status, 200);
    }
    let data = overview(&app).await;
    let default = store(&data, "default");
    assert_eq!(default["last_hour"]["l1"]["hits"], 2, "{default}");
    assert_eq!(default["last_hour"]["l1"]["misses"], 1);
    assert_eq!(default["last_hour"]["l2"]["misses"], 1);
    assert_eq!(default["last_hour"]["loads"], 1);
    assert_eq!(default["keys"], 1);
    let tags: Vec<&str> = default["tags"].as_array().unwrap().iter().map(|t| t["tag"].as_str().unwrap()).collect();
    assert_eq!(tags, ["inventory", "pricing"]);
    let sessions = store(&data, "sessions");
    assert_eq!(sessions["last_hour"]["l2"]["hits"], 1, "{sessions}");
    assert_eq!(sessions["last_hour"]["l2"]["misses"], 1);
    assert_eq!(sessions["last_hour"]["l2"]["hit_rate"], 0.5);
    assert_eq!(sessions["last_hour"]["l1"]["hits"], 0, "customers' data has no instance tier");
    assert_eq!(sessions["keys"], 1);
    assert_eq!(sessions["policy"]["instance_ttl_seconds"], 0);
    assert_eq!(store(&data, "analytics")["keys"], 0);
    for report in data["stores"].as_array().unwrap() {
        assert_eq!(report["error"], Value::Null, "{report}");
        assert!(report["server"]["version"].is_string());
    }
    let warmers: Vec<&str> = data["warmers"].as_array().unwrap().iter().map(|w| w["name"].as_str().unwrap()).collect();
    assert_eq!(warmers, ["pricing-overview", "inventory-overview", "queue-overview"]);
    assert!(data["warmers"][0]["last_run"].is_null(), "never ran");
}

async fn a_warmup_loads_each_view_once_and_a_second_finds_them_warm(app: TestApp) {
    let _shop = shop_at_list_prices(&app.ctx, 10, "5.00").await;
    let (status, body) = warmup(&app, json!({})).await;
    assert_eq!(status, 200, "{body}");
    let runs = body["data"]["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 3);
    assert!(runs.iter().all(|r| r["ok"] == true), "{body}");
    assert!(runs[0]["detail"].as_str().unwrap().contains("1 plans priced"), "{}", runs[0]["detail"]);
    // Another instance finds every view in Redis: no load, nothing to do twice.
    let other = app.on_another_instance();
    let (status, again) = warmup(&other, json!({"warmers": ["pricing-overview"]})).await;
    assert_eq!((status, again["data"]["runs"].as_array().map(Vec::len)), (200, Some(1)));
    use shared::services::cache::stats::Metric;
    assert_eq!(other.ctx.views.stats().pending(StoreName::Default, Metric::Loads), 0);
    assert_eq!(other.ctx.views.stats().pending(StoreName::Default, Metric::L2Hits), 1);
    // The overview shows each warmer's last run, and an admin's next read is a hit.
    let data = overview(&app).await;
    assert_eq!(data["warmers"][0]["last_run"]["ok"], true, "{}", data["warmers"]);
    assert_eq!(store(&data, "default")["keys"], 3);
}

async fn concurrent_warmups_run_one_at_a_time(app: TestApp) {
    let _shop = shop_at_list_prices(&app.ctx, 10, "5.00").await;
    // A warm-up holds the lock (another instance's, still running): this one is refused.
    assert!(
        app.ctx.cache.set_if_absent("cache-warmup:lock", "other", std::time::Duration::from_secs(60)).await.unwrap()
    );
    let (status, body) = warmup(&app, json!({})).await;
    assert_eq!((status, body["error_code"].as_str()), (409, Some("conflict")), "{body}");
    app.ctx.cache.delete("cache-warmup:lock").await.unwrap();
    // Five at once: each either ran or was refused, at least one ran, and the lock is free after.
    let replies = futures_util::future::join_all((0..5).map(|_| warmup(&app, json!({})))).await;
    assert!(replies.iter().all(|(s, _)| *s == 200 || *s == 409), "{replies:?}");
    assert!(replies.iter().any(|(s, _)| *s == 200));
    assert_eq!(warmup(&app, json!({})).await.0, 200, "the lock was released");
}

async fn a_warmup_names_real_warmers(app: TestApp) {
    let (status, body) = warmup(&app, json!({"warmers": ["pricing-overview", "everything"]})).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["errors"]["warmers"][0].as_str().unwrap().contains("everything is not a warmer"), "{body}");
    let reply = Call::to(&routes::SYSTEM_CACHE_WARMUP, &[]).by(&admin()).raw_body("{\"warmers\": 3}").send(&app).await;
    assert_eq!(reply.status, 422);
    let reply = Call::to(&routes::SYSTEM_CACHE_WARMUP, &[]).by(&admin()).raw_body("").send(&app).await;
    assert_eq!(reply.status, 200, "an empty body runs every warmer: {}", reply.body);
}

async fn clearing_by_tag_store_or_all_removes_exactly_that(app: TestApp) {
    let _shop = shop_at_list_prices(&app.ctx, 10, "5.00").await;
    let buyer = customer(&app.ctx, "20").await;
    assert_eq!(warmup(&app, json!({})).await.0, 200);
    assert_eq!(Call::to(&routes::WALLET_GET, &[]).by(&Caller::customer(&buyer)).send(&app).await.status, 200);
    // A key of ours outside the cache stores (a rate limiter's window) must survive every clear.
    app.ctx.cache.set("ratelimit:foreign", "1", None).await.unwrap();

    let (status, body) = clear(&app, json!({"tags": ["pricing"]})).await;
    assert_eq!((status, &body["data"]["total"]), (200, &json!(1)), "{body}");
    assert_eq!(store(&overview(&app).await, "default")["keys"], 2, "the inventory and queue overviews stay");
    let (status, body) = clear(&app, json!({"store": "sessions"})).await;
    assert_eq!((status, &body["data"]["removed"]["sessions"]), (200, &json!(1)), "{body}");
    assert_eq!(store(&overview(&app).await, "default")["keys"], 2);
    let (status, body) = clear(&app, json!({"all": true})).await;
    assert_eq!((status, &body["data"]["total"]), (200, &json!(2)), "{body}");
    let data = overview(&app).await;
    assert!(data["stores"].as_array().unwrap().iter().all(|s| s["keys"] == 0), "{data}");
    assert_eq!(app.ctx.cache.get("ratelimit:foreign").await.unwrap().as_deref(), Some("1"));
    // This instance stopped serving its own copies: the next read loads.
    let reply = Call::to(&routes::PRICING_GET, &[]).by(&admin()).send(&app).await;
    assert_eq!(reply.status, 200);
    assert_eq!(store(&overview(&app).await, "default")["keys"], 1);
}

async fn clear_bodies_that_name_no_single_target_are_422(app: TestApp) {
    for (body, field) in [
        (json!({}), "body"),
        (json!({"store": "default", "tags": ["x"]}), "body"),
        (json!({"store": "redis"}), "store"),
        (json!({"tags": []}), "tags"),
        (json!({"tags": ["has space"]}), "tags.0"),
        (json!({"all": false}), "all"),
        (json!({"all": "yes"}), "all"),
    ] {
        let (status, reply) = clear(&app, body.clone()).await;
        assert_eq!(status, 422, "{body}: {reply}");
        assert!(reply["errors"][field].is_array(), "{body}: {reply}");
    }
    let reply = Call::to(&routes::SYSTEM_CACHE_CLEAR, &[]).by(&admin()).raw_body("[1]").send(&app).await;
    assert_eq!(reply.status, 422);
    let customer = Caller::customer(&customer(&app.ctx, "0").await);
    let reply = Call::to(&routes::SYSTEM_CACHE_CLEAR, &[]).by(&customer).json(json!({"all": true})).send(&app).await;
    assert_eq!(reply.status, 403, "admins only");
}

async fn the_hourly_warmup_runs_every_warmer(app: TestApp) {
    let _shop = shop_at_list_prices(&app.ctx, 10, "5.00").await;
    let payload = json!({"scheduled_time": "2026-11-24T13:00:00Z"});
    let report = shared::handlers::scheduled(&routes::CACHE_WARMUP, &app.ctx, payload.clone()).await.unwrap().unwrap();
    assert_eq!(report["runs"].as_array().map(Vec::len), Some(3), "{report}");
    // While an operator's warm-up runs, the hourly one steps aside without failing.
    app.ctx.cache.set_if_absent("cache-warmup:lock", "operator", std::time::Duration::from_secs(60)).await.unwrap();
    let skipped = shared::handlers::scheduled(&routes::CACHE_WARMUP, &app.ctx, payload).await.unwrap().unwrap();
    assert!(skipped["skipped"].is_string(), "{skipped}");
    let bad = shared::handlers::scheduled(&routes::CACHE_WARMUP, &app.ctx, json!([1])).await.unwrap();
    assert!(bad.is_err(), "not a scheduled invocation");
}

// ---------------------------------------------------------------------------------------------------------
// The cache stopped mid-test
// ---------------------------------------------------------------------------------------------------------

mod outage {
    use super::*;

    #[tokio::test]
    async fn memory() {
        with_the_cache_stopped_requests_still_answer(Backend::Memory).await
    }

    #[tokio::test]
    async fn aws() {
        with_the_cache_stopped_requests_still_answer(Backend::Aws).await
    }
}

async fn with_the_cache_stopped_requests_still_answer(backend: Backend) {
    let (app, outage) = TestApp::with_cache_outage(backend).await;
    let _shop = shop_at_list_prices(&app.ctx, 10, "5.00").await;
    let buyer = customer(&app.ctx, "20").await;
    let wallet = || Call::to(&routes::WALLET_GET, &[]).by(&Caller::customer(&buyer));
    assert_eq!(wallet().send(&app).await.status, 200);
    outage.stop();
    // Customers and admins are answered from the store.
    for _ in 0..2 {
        let reply = wallet().send(&app).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.body["data"]["balance"], "20");
        assert_eq!(Call::to(&routes::PRICING_GET, &[]).by(&admin()).send(&app).await.status, 200);
        assert_eq!(Call::to(&routes::INVENTORY_GET, &[]).by(&admin()).send(&app).await.status, 200);
    }
    // The overview says so, store by store, in words; a clear cannot clear anything.
    let data = overview(&app).await;
    for report in data["stores"].as_array().unwrap() {
        assert!(report["error"].is_string(), "{report}");
    }
    let said =
        data["recommendations"].as_array().unwrap().iter().any(|r| r.as_str().unwrap().contains("did not answer"));
    assert!(said, "{}", data["recommendations"]);
    let (status, body) = clear(&app, json!({"all": true})).await;
    assert_eq!((status, body["error_code"].as_str()), (503, Some("cache_unavailable")), "{body}");
    if backend == Backend::Aws {
        // The whole Redis is gone here (the memory twin stops only the cache's stores): the health check says so.
        let reply = Call::to(&routes::SYSTEM_HEALTH, &[]).by(&admin()).send(&app).await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body["data"]["status"], "degraded", "{}", reply.body);
    }
    outage.restart();
    // Back, once the Redis link's and the cache's breakers have let the failure go: reads are cached again.
    let breaks = shared::adapters::aws::REDIS_BREAK_FOR.max(shared::services::cache::tiered::BREAK_FOR);
    app.clock.advance(breaks + chrono::Duration::seconds(1));
    let mut stored = false;
    for _ in 0..30 {
        // Time passes between tries: on a loaded machine one Redis call may outlive its 300 ms limit and break
        // the link again, and the break ends on the (manual) clock.
        app.clock.advance(breaks + chrono::Duration::seconds(1));
        assert_eq!(wallet().send(&app).await.status, 200);
        if store(&overview(&app).await, "sessions")["keys"] == 1 {
            stored = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(stored, "the wallet is cached again once Redis is back");
}
