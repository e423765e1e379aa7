//! Every function's handler run on its sample in `events/` (what `sam local invoke` would feed it), on both
//! backends. The samples are the shapes Lambda delivers; these tests keep them working.

use integration_tests::TestApp;
use integration_tests::fixtures::{customer_with_id, order_of, shop_with_ids};
use shared::domain::{CustomerId, OrderId, PlanId, ServerId};
use shared::routes::{FUNCTIONS, Trigger};
use std::path::PathBuf;

fn sample(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../events").join(format!("{name}.json"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{} is missing: {e}", path.display()))
}

integration_tests::on_both_backends!(every_function_handles_its_sample_event);

/// The shop the samples talk about: their customer (with money), server, plan and a new order, under the ids
/// the samples use. The samples run in route-table order, so the order is read before it is cancelled.
async fn seed_the_samples_world(app: &TestApp) {
    let ctx = &app.ctx;
    let customer = customer_with_id(ctx, CustomerId("3b9f2c4e-6a1d-4e8b-9f0a-1c2d3e4f5a6b".into()), "500").await;
    let shop = shop_with_ids(
        ctx,
        ServerId("a1f0c3d2-5b4e-4f60-8a9b-0c1d2e3f4a5b".into()),
        PlanId("b2e1d4c3-6c5f-4a71-9bac-1d2e3f4a5b6c".into()),
        50,
        "4.99",
    )
    .await;
    let order = OrderId("5b0e6c1e-8f2a-4c39-9d7e-2a4f6b8c1d3e".into());
    shared::services::orders::place_as(ctx, order, &customer, order_of(&shop.plan, 1, 1), None)
        .await
        .expect("the samples' order");
    // The failed job the queue samples list and delete.
    let failure = shared::store::Failure {
        job_id: "9c1f3e52-7a4b-4d8e-b6f1-2e3d4c5b6a70",
        job_type: "notification.send",
        queue: Some(shared::domain::Priority::Notifications),
        message_id: "0b2c4d6e-8f10-4a2b-9c3d-5e7f9a1b3c5d",
        error: "mail relay refused the message",
        attempt: 3,
        payload: &serde_json::json!({"customer_id": "3b9f2c4e-6a1d-4e8b-9f0a-1c2d3e4f5a6b"}),
        dead: true,
        at: ctx.clock.now(),
    };
    ctx.stores.failed_jobs.record(&failure).await.expect("the samples' failed job");
    // The open alert the alert samples list and acknowledge.
    let mut alert = shared::domain::Alert::open(
        shared::domain::AlertSeverity::Warning,
        "inventory",
        // A condition no sample clears (the health check's would resolve on a healthy run).
        "capacity:provision:Frankfurt",
        "Frankfurt needs another server.".into(),
        serde_json::json!({}),
        ctx.clock.now(),
    );
    alert.id = shared::domain::AlertId("4b7e2c1d-9f3a-4e6b-8c5d-1a2b3c4d5e6f".into());
    ctx.stores.alerts.open(&alert).await.expect("the samples' alert");
    // The dashboard notification the read sample marks.
    let note = shared::domain::Notification {
        id: shared::domain::NotificationId::parse("01a20d36-6b80-7a3e-9b1c-5d2e8f4a7b60").expect("the sample's id"),
        kind: "system_alert".into(),
        severity: shared::domain::AlertSeverity::Warning,
        title: "Warning alert: inventory".into(),
        body: "Frankfurt needs another server.".into(),
        about: Some(format!("alert:{}", alert.id)),
        created_at: ctx.clock.now(),
    };
    ctx.stores.notifications.put(&shared::domain::Inbox::Admins, &note).await.expect("the samples' notification");
    // The customer's notification the notification-read sample marks.
    let customer_note = shared::domain::Notification {
        id: shared::domain::NotificationId::parse("01a20d36-6b80-7a3e-9b1c-5d2e8f4a7b61").expect("the sample's id"),
        kind: "client_expiring".into(),
        severity: shared::domain::AlertSeverity::Info,
        title: "Your proxy expires in 3 days".into(),
        body: "Renew it to keep it running.".into(),
        about: None,
        created_at: ctx.clock.now(),
    };
    let inbox =
        shared::domain::Inbox::Customer(shared::domain::CustomerId("3b9f2c4e-6a1d-4e8b-9f0a-1c2d3e4f5a6b".into()));
    ctx.stores.notifications.put(&inbox, &customer_note).await.expect("the samples' customer notification");
    // The conversations the chat samples read, write to and close (the customer's), and assign (another's).
    for (id, customer) in [
        ("7d3c2b1a-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "3b9f2c4e-6a1d-4e8b-9f0a-1c2d3e4f5a6b"),
        ("8e4d3c2b-5f6a-4b7c-9d8e-0f1a2b3c4d5e", "5c0a3d5f-7b2e-4f9c-8a1b-2d3e4f5a6b7c"),
    ] {
        let conversation = shared::domain::Conversation::open(
            shared::domain::ConversationId(id.into()),
            CustomerId(customer.into()),
            ctx.clock.now(),
        );
        ctx.stores.chats.start(&conversation).await.expect("the samples' conversation");
    }
    // The promotion the end sample ends is the one the create sample creates just before (route-table order).
    // The report the report sample downloads (the day before the test clock's).
    use shared::services::analytics::reports::{ReportKind, generate_report};
    let day = ctx.clock.now().date_naive() - chrono::Duration::days(1);
    generate_report(ctx, ReportKind::Daily, Some(day), false).await.expect("the samples' report");
}

async fn every_function_handles_its_sample_event(mut app: TestApp) {
    seed_the_samples_world(&app).await;
    // The logs the system-logs sample searches: the process's own (CloudWatch's are `system_logs.rs`'s).
    app.ctx = app.ctx.clone().with_log_source(shared::log_ring::LogRing::new(app.clock.clone(), 100));
    let ctx = &app.ctx;
    for spec in FUNCTIONS {
        let text = sample(spec.name);
        match spec.trigger {
            Trigger::Http { status, .. } => {
                let request = lambda_http::request::from_str(&text).expect("an API Gateway v2 event");
                let response = shared::handlers::http(spec, ctx, request).await.expect("an HTTP handler");
                assert_eq!(response.status(), status, "{}: {:?}", spec.name, response.body());
                let html = response.headers().get("content-type").is_some_and(|t| t == "text/html; charset=utf-8");
                let body: serde_json::Value = match response.body() {
                    // A page: HTML, escaped by its templates.
                    lambda_http::Body::Text(t) if html => {
                        assert!(
                            t.starts_with("<!DOCTYPE html>") || t.starts_with("<div class=\"page\""),
                            "{}",
                            spec.name
                        );
                        continue;
                    }
                    lambda_http::Body::Text(t) => serde_json::from_str(t).unwrap(),
                    // A download (a report's CSV): the file, named.
                    lambda_http::Body::Binary(bytes) => {
                        assert!(!bytes.is_empty(), "{}", spec.name);
                        let disposition = response.headers().get("content-disposition").expect("a file's name");
                        assert!(disposition.to_str().unwrap().starts_with("attachment; filename="), "{}", spec.name);
                        continue;
                    }
                    other => panic!("unexpected body {other:?}"),
                };
                // Pusher's channel authorisation answers in Pusher's shape, outside the envelope.
                if spec.name == shared::routes::BROADCASTING_AUTH.name {
                    let auth = body["auth"].as_str().unwrap_or_default();
                    assert!(auth.starts_with(&format!("{}:", shared::app::LOCAL_CHANNELS_APP_KEY)), "{body}");
                    continue;
                }
                assert_eq!(body["success"], true);
                assert_eq!(body["request_id"], "Jz2kQgNcliAEM3g=", "the request id comes from API Gateway");
            }
            Trigger::Schedule { .. } => {
                let payload: serde_json::Value = serde_json::from_str(&text).unwrap();
                let summary = shared::handlers::scheduled(spec, ctx, payload)
                    .await
                    .expect("a scheduled handler")
                    .unwrap_or_else(|e| panic!("{} failed: {e}", spec.name));
                assert_eq!(summary["invoked_by"], "eventbridge-scheduler");
            }
            Trigger::UserPool { .. } => {
                let event: serde_json::Value = serde_json::from_str(&text).unwrap();
                for attempt in ["first", "retried by the pool"] {
                    let answer = shared::handlers::user_pool(spec, ctx, event.clone())
                        .await
                        .expect("a user pool handler")
                        .unwrap_or_else(|e| panic!("{} ({attempt}) failed: {e}", spec.name));
                    assert_eq!(answer["userName"], event["userName"], "{}: the event is handed back", spec.name);
                    assert_eq!(answer["request"], event["request"], "{}", spec.name);
                }
            }
            Trigger::WebSocket { .. } => {
                let event: aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest =
                    serde_json::from_str(&text).expect("an API Gateway WebSocket event");
                let response = shared::websocket::handle(ctx, spec, event).await;
                assert_eq!(response.status_code, 200, "{}", spec.name);
            }
            Trigger::Worker { .. } => {
                let event: aws_lambda_events::sqs::SqsEvent = serde_json::from_str(&text).expect("an SQS event");
                let registry = shared::worker::standard_registry();
                let response = shared::worker::handle(ctx, &registry, event.clone()).await;
                assert!(response.batch_item_failures.is_empty(), "{:?}", response.batch_item_failures);
                let again = shared::worker::handle(ctx, &registry, event).await;
                assert!(again.batch_item_failures.is_empty(), "a redelivered sample is acknowledged");
                let sample = shared::domain::AlertId("a1f0c2d4-5b6e-4f70-8a91-b2c3d4e5f601".into());
                let (recorded, _) = ctx.stores.alerts.list(false, 10, None).await.unwrap();
                assert_eq!(recorded.iter().filter(|a| a.id == sample).count(), 1, "and did its work once");
            }
        }
    }
}
