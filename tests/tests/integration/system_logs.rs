//! `GET /admin/system/logs` on both backends — the local run's ring of the process's own events, and CloudWatch
//! Logs Insights on the emulator (the query it was sent read back from it): filters by function, level, time
//! and text, pages (events of one millisecond included), secrets redacted, bad input a 422, no source a 503.

use chrono::{DateTime, Duration, Utc};
use integration_tests::api::{Call, Caller, Reply};
use integration_tests::{Backend, TestApp};
use shared::ports::LogEvent;
use shared::routes;
use std::sync::Arc;

integration_tests::on_both_backends!(
    admins_search_the_logs_by_function_level_time_and_text_a_page_at_a_time,
    secrets_never_leave_the_logs_endpoint,
    bad_searches_are_refused_by_field_and_a_missing_source_is_a_503,
);

const JWT: &str =
    "eyJraWQiOiJrMSIsImFsZyI6IlJTMjU2In0.eyJzdWIiOiJhZG1pbi0xIiwiZXhwIjoxOTAwMDAwMDAwfQ.c2lnbmVkLWJ5LWNvZ25pdG8";

/// A structured line as the functions write it.
fn line(level: &str, message: &str, fields: serde_json::Value) -> String {
    let mut object = serde_json::json!({"timestamp": "t", "level": level, "message": message});
    if let (Some(object), serde_json::Value::Object(fields)) = (object.as_object_mut(), fields) {
        object.extend(fields);
    }
    object.to_string()
}

/// These events, as the backend's log source has them: in the ring, or put into each function's log group on
/// the emulator (under a prefix of this test's own, returned). Their times count from half an hour ago.
async fn with_logs(app: &mut TestApp, events: Vec<(Duration, &str, &str)>) -> (DateTime<Utc>, Option<String>) {
    let start = shared::clock::Clock::now(&*app.clock) - Duration::minutes(30);
    let events: Vec<LogEvent> = events
        .into_iter()
        .map(|(offset, function, line)| {
            let level = serde_json::from_str::<serde_json::Value>(line)
                .ok()
                .and_then(|v| v["level"].as_str().map(str::to_lowercase))
                .unwrap_or_else(|| "info".into());
            LogEvent { at: start + offset, function: function.to_owned(), level, line: line.to_owned() }
        })
        .collect();
    let (source, prefix): (Arc<dyn shared::ports::LogSource>, _) = match app.backend {
        Backend::Memory => {
            let ring = shared::log_ring::LogRing::new(app.clock.clone(), 1000);
            events.into_iter().for_each(|event| ring.record(event));
            (ring, None)
        }
        Backend::Aws => {
            let sdk = integration_tests::sdk_config_at(&integration_tests::aws_endpoint()).await;
            let client = aws_sdk_cloudwatchlogs::Client::new(&sdk);
            let prefix = format!("/aws/lambda/{}-", integration_tests::unique("logs"));
            let mut functions: Vec<&str> = events.iter().map(|e| e.function.as_str()).collect();
            functions.sort_unstable();
            functions.dedup();
            for function in functions {
                let group = format!("{prefix}{function}");
                client.create_log_group().log_group_name(&group).send().await.expect("a log group");
                client.create_log_stream().log_group_name(&group).log_stream_name("s").send().await.expect("a stream");
                let mut batch: Vec<&LogEvent> = events.iter().filter(|e| e.function == function).collect();
                batch.sort_by_key(|e| e.at);
                let put = batch.iter().map(|e| {
                    aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                        .timestamp(e.at.timestamp_millis())
                        .message(&e.line)
                        .build()
                        .expect("an event")
                });
                let sent = client
                    .put_log_events()
                    .log_group_name(&group)
                    .log_stream_name("s")
                    .set_log_events(Some(put.collect()))
                    .send()
                    .await
                    .expect("events put");
                assert!(sent.rejected_log_events_info.is_none(), "{sent:?}");
            }
            let names = routes::FUNCTIONS.iter().map(|spec| spec.name.to_owned()).collect();
            (Arc::new(shared::adapters::aws::CloudWatchLogs::new(&sdk, prefix.clone(), names)), Some(prefix))
        }
    };
    app.ctx = app.ctx.clone().with_log_source(source);
    (start, prefix)
}

async fn search(app: &TestApp, query: &str) -> Reply {
    Call::to(&routes::SYSTEM_LOGS, &[]).by(&Caller::Admin("ops".into())).query(query).send(app).await
}

fn messages(reply: &Reply) -> Vec<String> {
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["data"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {} {}",
                e["function"].as_str().unwrap(),
                e["level"].as_str().unwrap(),
                e["message"].as_str().unwrap()
            )
        })
        .collect()
}

async fn admins_search_the_logs_by_function_level_time_and_text_a_page_at_a_time(mut app: TestApp) {
    let (placed, failed, slow) = (
        line("INFO", "order placed", serde_json::json!({"order_id": "o-1", "latency_ms": 41})),
        line("ERROR", "payment failed", serde_json::json!({"order_id": "o-2"})),
        line("WARN", "panel slow", serde_json::json!({"server": "s-1"})),
    );
    let (job, early) =
        (line("INFO", "job done", serde_json::json!({})), line("ERROR", "early failure", serde_json::json!({})));
    let same_ms = (
        line("INFO", "a", serde_json::json!({})),
        line("INFO", "b", serde_json::json!({})),
        line("INFO", "c", serde_json::json!({})),
    );
    let ms = Duration::milliseconds;
    let (start, _) = with_logs(
        &mut app,
        vec![
            (ms(-2 * 3_600_000), "orders-create", &early),
            (ms(1_000), "orders-create", &placed),
            (ms(2_000), "orders-create", &failed),
            (ms(3_000), "queue-worker", &slow),
            (ms(4_000), "queue-worker", &job),
            (ms(5_000), "orders-list", &same_ms.0),
            (ms(5_000), "orders-list", &same_ms.1),
            (ms(5_000), "orders-list", &same_ms.2),
        ],
    )
    .await;

    // The last hour by default, newest first: the early failure is older.
    let all = messages(&search(&app, "").await);
    assert_eq!(all.len(), 7, "{all:?}");
    assert_eq!(
        all[3..],
        [
            "queue-worker info job done",
            "queue-worker warn panel slow",
            "orders-create error payment failed",
            "orders-create info order placed"
        ]
    );
    assert_eq!(
        messages(&search(&app, "function=orders-create").await),
        ["orders-create error payment failed", "orders-create info order placed"]
    );
    assert_eq!(
        messages(&search(&app, "level=warn").await),
        ["queue-worker warn panel slow", "orders-create error payment failed"]
    );
    assert_eq!(messages(&search(&app, "q=o-2").await), ["orders-create error payment failed"]);
    let since = (start - Duration::hours(3)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let until = (start + Duration::minutes(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let window = messages(&search(&app, &format!("level=error&since={since}&until={until}")).await);
    assert_eq!(window, ["orders-create error payment failed", "orders-create error early failure"]);
    let fields = &search(&app, "function=orders-create&level=info&q=placed").await.body["data"]["events"][0];
    assert_eq!(fields["fields"], serde_json::json!({"order_id": "o-1", "latency_ms": 41}));
    assert_eq!(fields["at"], serde_json::json!(start + ms(1_000)));

    // Two at a time: the three events of one millisecond are split across pages, none lost or repeated.
    let mut seen = Vec::new();
    let mut query = "limit=2".to_owned();
    for _ in 0..10 {
        let page = search(&app, &query).await;
        seen.extend(messages(&page));
        match page.body["data"]["next_cursor"].as_str() {
            Some(cursor) => query = format!("limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, all, "every event once, in order");
}

async fn secrets_never_leave_the_logs_endpoint(mut app: TestApp) {
    let secrets = [
        line("ERROR", &format!("token {JWT} rejected"), serde_json::json!({"authorization": format!("Bearer {JWT}")})),
        line("WARN", "redis down", serde_json::json!({"url": "rediss://default:s3cr3t-pa55@cache.example:6380/0"})),
        line("ERROR", "login failed password=hunter2&user=ops", serde_json::json!({"panel_password": "hunter2"})),
        line("INFO", "signed with AKIAIOSFODNN7EXAMPLE", serde_json::json!({"headers": {"Cookie": "sid=abc"}})),
        "plain line with Bearer abcdef123456 inside".to_owned(),
    ];
    with_logs(
        &mut app,
        secrets.iter().enumerate().map(|(n, l)| (Duration::seconds(n as i64), "queue-worker", l.as_str())).collect(),
    )
    .await;
    let reply = search(&app, "").await;
    assert_eq!(messages(&reply).len(), secrets.len());
    let text = reply.body.to_string();
    for secret in [JWT, "s3cr3t-pa55", "hunter2", "AKIAIOSFODNN7EXAMPLE", "sid=abc", "abcdef123456"] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
    assert!(text.contains("redis down") && text.contains("cache.example"), "the rest is kept: {text}");
}

async fn bad_searches_are_refused_by_field_and_a_missing_source_is_a_503(mut app: TestApp) {
    let none = search(&app, "").await;
    assert_eq!((none.status, none.body["error_code"].as_str()), (503, Some("logs_unavailable")), "{}", none.body);
    let payment = line("ERROR", "payment failed", serde_json::json!({}));
    let (_, groups) = with_logs(&mut app, vec![(Duration::seconds(1), "orders-create", &payment)]).await;
    let long = "x".repeat(201);
    for (query, field) in [
        ("level=loud", "level"),
        ("function=no-such-function", "function"),
        ("since=yesterday", "since"),
        ("since=2026-11-24T12:00:00Z&until=2026-11-24T11:00:00Z", "since"),
        ("since=2026-11-01T00:00:00Z&until=2026-11-24T00:00:00Z", "since"),
        (&*format!("q={long}"), "q"),
        ("limit=0", "limit"),
        ("cursor=not-a-cursor", "cursor"),
    ] {
        let reply = search(&app, query).await;
        assert_eq!((reply.status, reply.error_fields()), (422, vec![field.to_owned()]), "{query}: {}", reply.body);
    }
    let customer = Caller::customer(&shared::domain::CustomerId::generate());
    let refused = Call::to(&routes::SYSTEM_LOGS, &[]).by(&customer).send(&app).await;
    assert_eq!(refused.status, 403);
    if app.backend == Backend::Aws {
        // The query as CloudWatch got it: the filters, newest first, the rows asked; over the one log
        // group there is (asked over every function's first, it was refused for the missing ones).
        assert_eq!(
            messages(&search(&app, "level=error&q=payment&limit=5").await),
            ["orders-create error payment failed"]
        );
        let sdk = integration_tests::sdk_config_at(&integration_tests::aws_endpoint()).await;
        let described = aws_sdk_cloudwatchlogs::Client::new(&sdk)
            .describe_queries()
            .log_group_name(format!("{}orders-create", groups.expect("log groups on the emulator")))
            .send()
            .await
            .expect("the queries");
        let queries = described.queries.unwrap_or_default();
        let ours = queries
            .iter()
            .rev()
            .find(|q| q.query_string().is_some_and(|s| s.contains("like \"payment\"")))
            .expect("the query");
        assert_eq!(
            ours.query_string(),
            Some(
                r#"fields @timestamp, @message, @log | filter not ispresent(_aws.Timestamp) | filter level in ["ERROR"] or not ispresent(level) | filter @message like "payment" | sort @timestamp desc | limit 5"#
            )
        );

        // CloudWatch refusing, or hanging past the query's deadline: a 503 in the envelope, in time.
        let (hung, _task) = integration_tests::silent_endpoint().await;
        for (endpoint, deadline) in [("http://127.0.0.1:9".to_owned(), 8), (hung, 1)] {
            let sdk = integration_tests::sdk_config_at(&endpoint).await;
            let names = vec!["orders-create".to_owned()];
            let source = shared::adapters::aws::CloudWatchLogs::new(&sdk, "/aws/lambda/x-", names)
                .with_deadline(std::time::Duration::from_secs(deadline));
            app.ctx = app.ctx.clone().with_log_source(Arc::new(source));
            let started = std::time::Instant::now();
            let down = search(&app, "").await;
            assert_eq!(
                (down.status, down.body["error_code"].as_str()),
                (503, Some("service_unavailable")),
                "{}",
                down.body
            );
            assert!(started.elapsed() < std::time::Duration::from_secs(deadline + 5), "{:?}", started.elapsed());
        }
    }
}
