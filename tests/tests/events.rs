//! Every function's handler run on its sample in `events/` (what `sam local invoke` would feed it), on both
//! backends. The samples are the shapes Lambda delivers; these tests keep them working.

use integration_tests::TestApp;
use shared::routes::{FUNCTIONS, Trigger};
use std::path::PathBuf;

fn sample(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../events").join(format!("{name}.json"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{} is missing: {e}", path.display()))
}

integration_tests::on_both_backends!(every_function_handles_its_sample_event);

async fn every_function_handles_its_sample_event(app: TestApp) {
    let ctx = &app.ctx;
    for spec in FUNCTIONS {
        let text = sample(spec.name);
        match spec.trigger {
            Trigger::Http { .. } => {
                let request = lambda_http::request::from_str(&text).expect("an API Gateway v2 event");
                let response = shared::handlers::http(spec.name, ctx, request).await.expect("an HTTP handler");
                assert_eq!(response.status(), 200, "{}", spec.name);
                let body: serde_json::Value = match response.body() {
                    lambda_http::Body::Text(t) => serde_json::from_str(t).unwrap(),
                    other => panic!("unexpected body {other:?}"),
                };
                assert_eq!(body["success"], true);
                assert_eq!(body["request_id"], "Jz2kQgNcliAEM3g=", "the request id comes from API Gateway");
            }
            Trigger::Schedule { .. } => {
                let payload: serde_json::Value = serde_json::from_str(&text).unwrap();
                let summary = shared::handlers::scheduled(spec.name, ctx, payload)
                    .await
                    .expect("a scheduled handler")
                    .unwrap_or_else(|e| panic!("{} failed: {e}", spec.name));
                assert_eq!(summary["invoked_by"], "eventbridge-scheduler");
            }
            Trigger::Worker { .. } => {
                let event: aws_lambda_events::sqs::SqsEvent = serde_json::from_str(&text).expect("an SQS event");
                let registry = shared::worker::JobRegistry::standard();
                let response = shared::handlers::queue_worker::handle(ctx, &registry, event.clone()).await;
                assert!(response.batch_item_failures.is_empty(), "{:?}", response.batch_item_failures);
                let again = shared::handlers::queue_worker::handle(ctx, &registry, event).await;
                assert!(again.batch_item_failures.is_empty(), "a redelivered sample is acknowledged");
                assert_eq!(ctx.stores.alerts.recent(10).await.unwrap().len(), 1, "and did its work once");
            }
        }
    }
}
