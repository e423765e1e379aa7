//! The emulators stopped mid-test (through a link the test cuts, so the services beside it keep running):
//! DynamoDB gone answers every route with the 503 envelope, no internals, no panic, and leaves nothing
//! half-written for when it is back; SQS gone at checkout still commits the paid order, and the inventory
//! check's re-drive provisions it once SQS is back. (Redis stopped or hanging: `api_cache` and `redis_link`.)

use integration_tests::api::{Call, Caller};
use integration_tests::fixtures::{customer, dec, shop_at_list_prices};
use integration_tests::{Backend, TestApp, drain};
use serde_json::json;
use shared::domain::{OrderStatus, Priority};
use shared::ports::{JobQueue, Table};
use shared::routes;
use std::sync::Arc;
use std::time::Duration;

fn order_body(plan: &shared::domain::Plan) -> serde_json::Value {
    json!({"items": [{"plan_id": plan.id, "quantity": 1}], "duration_months": 1, "payment_method": "wallet", "currency": "USD"})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_dynamodb_gone_every_route_is_a_503_envelope_and_nothing_is_half_written() {
    let mut app = TestApp::new(Backend::Aws).await;
    let (table, link) = integration_tests::dynamo_table_through_link(app.clock.clone(), Duration::from_secs(3)).await;
    let table: Arc<dyn Table> = Arc::new(table);
    app.ctx.stores = shared::store::Stores::new(table.clone());
    app.table = table;
    let shop = shop_at_list_prices(&app.ctx, 10, "10.00").await;
    let buyer = customer(&app.ctx, "100").await;
    let caller = Caller::customer(&buyer);

    link.cut();
    let calls = [
        Call::to(&routes::ORDERS_CREATE, &[]).by(&caller).json(order_body(&shop.plan)),
        Call::to(&routes::ORDERS_LIST, &[]).by(&caller),
        Call::to(&routes::WALLET_GET, &[]).by(&caller),
        Call::to(&routes::PROFILE_UPDATE, &[]).by(&caller).json(json!({"name": "Still here"})),
    ];
    for call in calls {
        let reply = call.send(&app).await;
        assert_eq!(reply.status, 503, "{}", reply.body);
        assert_eq!(
            (reply.body["success"].as_bool(), reply.body["error_code"].as_str()),
            (Some(false), Some("service_unavailable"))
        );
        let text = reply.body.to_string();
        for internal in ["127.0.0.1", "dispatch", "Dynamo", "TransactWriteItems"] {
            assert!(!text.contains(internal), "{internal} leaked: {text}");
        }
    }

    link.restore();
    // Back: nothing of the refused order exists, the money and capacity are where they were, and it can be placed.
    let (orders, _) = app.ctx.stores.orders.of_customer(&buyer, 10, None).await.unwrap();
    assert!(orders.is_empty());
    assert_eq!(app.ctx.stores.wallets.get(&buyer).await.unwrap().unwrap().balance, dec("100"));
    let server = app.ctx.stores.catalog.server(&shop.server.id).await.unwrap().unwrap();
    assert_eq!((server.free_slots, server.held_clients), (10, 0));
    let reply = Call::to(&routes::ORDERS_CREATE, &[]).by(&caller).json(order_body(&shop.plan)).send(&app).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_sqs_gone_at_checkout_the_order_commits_and_the_re_drive_provisions_it() {
    let mut app = TestApp::new(Backend::Aws).await;
    let (queue, link) = integration_tests::sqs_queues_through_link().await;
    let queue: Arc<dyn JobQueue> = Arc::new(queue);
    app.ctx.queue = queue;
    let shop = shop_at_list_prices(&app.ctx, 10, "10.00").await;
    let buyer = customer(&app.ctx, "100").await;

    link.cut();
    let reply = Call::to(&routes::ORDERS_CREATE, &[])
        .by(&Caller::customer(&buyer))
        .json(order_body(&shop.plan))
        .send(&app)
        .await;
    assert_eq!(reply.status, 201, "paid and committed, its job not sent: {}", reply.body);
    let id = shared::domain::OrderId(reply.body["data"]["order"]["id"].as_str().unwrap().to_owned());
    link.restore();
    assert!(drain(&app, Priority::High).await.is_empty(), "the job was lost with SQS");

    app.clock.advance(shared::services::inventory::PROVISIONING_OVERDUE + chrono::Duration::minutes(1));
    let payload = json!({"scheduled_time": "2026-11-25T13:15:00Z"});
    let check = shared::handlers::scheduled(&routes::INVENTORY_CHECK, &app.ctx, payload).await.unwrap();
    assert!(check.is_ok(), "{check:?}");
    assert_eq!(drain(&app, Priority::High).await.len(), 1, "re-sent once");
    let order = app.ctx.stores.orders.get(&id).await.unwrap().unwrap();
    assert_eq!(order.order_status, OrderStatus::Completed);
    let server = app.ctx.stores.catalog.server(&shop.server.id).await.unwrap().unwrap();
    assert_eq!((server.free_slots, server.held_clients, server.active_clients), (9, 0, 1));
}

/// The health check's data checks when the store fails or hangs: each says so in its finding (degraded), within
/// its deadline, instead of failing the report or waiting on the store.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_data_check_that_fails_or_runs_out_of_time_says_so() {
    use shared::services::health::{HealthStatus, HealthThresholds};
    use shared::services::monitoring::checks::{self, CHECK_DEADLINE};
    let mut app = TestApp::new(Backend::Aws).await;
    let (table, link) = integration_tests::dynamo_table_through_link(app.clock.clone(), Duration::from_secs(30)).await;
    let table: Arc<dyn Table> = Arc::new(table);
    app.ctx.stores = shared::store::Stores::new(table.clone());
    app.table = table;
    let thresholds = HealthThresholds::default();
    assert_eq!(
        checks::servers(&app.ctx, &thresholds, shared::clock::Clock::now(&*app.clock)).await.status,
        HealthStatus::Healthy
    );

    link.cut();
    let failed = checks::servers(&app.ctx, &thresholds, shared::clock::Clock::now(&*app.clock)).await;
    assert_eq!(failed.status, HealthStatus::Degraded);
    assert!(failed.finding.starts_with("The servers check failed: "), "{failed:?}");
    assert!(failed.figures.is_empty());
    link.restore();

    link.freeze();
    let started = std::time::Instant::now();
    let late = checks::application(&app.ctx, &thresholds, chrono::Utc::now()).await;
    let waited = started.elapsed();
    link.thaw();
    assert_eq!(late.status, HealthStatus::Degraded);
    assert_eq!(late.finding, "The application check did not finish within 3 s.");
    assert!(waited >= CHECK_DEADLINE && waited < CHECK_DEADLINE * 3, "{waited:?}");
}

/// A DynamoDB that throttles every call, as an account at its limits does: each attempt answered 400 with a
/// throttling error type, as DynamoDB's JSON protocol says it.
async fn throttling_dynamodb() -> (String, tokio::task::JoinHandle<()>) {
    use http_body_util::Full;
    use hyper::body::Bytes;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let service = hyper::service::service_fn(|_request| async {
                    let body = r#"{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate of requests exceeds the allowed throughput."}"#;
                    let response = hyper::Response::builder()
                        .status(400)
                        .header("content-type", "application/x-amz-json-1.0")
                        .body(Full::new(Bytes::from(body)))
                        .unwrap();
                    Ok::<_, std::convert::Infallible>(response)
                });
                let io = hyper_util::rt::TokioIo::new(stream);
                let _ = hyper::server::conn::http1::Builder::new().serve_connection(io, service).await;
            });
        }
    });
    (endpoint, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttled_store_calls_are_counted_across_the_functions_and_judged_by_the_storage_check() {
    use shared::services::health::{HealthStatus, HealthThresholds};
    use shared::services::monitoring::checks;
    use shared::services::request_metrics::{read_store_throttles, record_store_throttles};
    let (endpoint, _server) = throttling_dynamodb().await;
    let mut app = TestApp::new(Backend::Memory).await;
    let client = aws_sdk_dynamodb::Client::new(&integration_tests::sdk_config_at(&endpoint).await);
    let table = shared::adapters::aws::DynamoTable::new(client, "throttled", app.clock.clone());
    let table: Arc<dyn Table> = Arc::new(table);
    app.ctx.stores = shared::store::Stores::new(table.clone());

    // A request whose reads are throttled: each attempt counted (the SDK tries three times), and its sample
    // carries them to the telemetry.
    let reply = Call::to(&routes::SYSTEM_ALERTS, &[]).by(&Caller::Admin("ops".into())).send(&app).await;
    assert_eq!(reply.status, 503, "{}", reply.body);
    app.ctx.flush_request_metrics().await;
    let now = shared::clock::Clock::now(&*app.clock);
    assert_eq!(read_store_throttles(&*app.ctx.cache, 5, now).await.unwrap(), 3);
    assert_eq!(table.take_throttled(), 0, "taken by the request's sample");

    // Another instance's (a worker's) on top; past ten in five minutes the storage check says so.
    record_store_throttles(&*app.ctx.cache, 9, now).await;
    // (Judged over a table that answers, with the counters of the run above.)
    let mut judge = TestApp::new(Backend::Memory).await;
    judge.ctx.cache = app.ctx.cache.clone();
    let judged = checks::storage(&judge.ctx, &HealthThresholds::default(), 0, None).await;
    assert_eq!((judged.status, judged.figures["table_throttled_5_min"]), (HealthStatus::Degraded, 12), "{judged:?}");
    assert!(judged.finding.contains("throttled 12 calls in the last 5 minutes"), "{}", judged.finding);
}
