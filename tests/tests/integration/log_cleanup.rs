//! The weekly `log-cleanup` on both backends: the log groups' retention set where it drifted (CloudWatch on the
//! emulator), the records past their retention that the TTL has not removed deleted — and only those —, dead
//! keys dropped from the cache's tag sets; a part failing (Redis down) leaves the others done and fails the
//! run; two runs at once remove each record once.

use integration_tests::{Backend, TestApp, drain};
use shared::domain::*;
use shared::services::alerts::{self, Sighting};
use shared::services::cache::StoreName;
use shared::services::monitoring::cleanup::{clean, log_cleanup};
use std::sync::Arc;
use std::time::Duration;

integration_tests::on_both_backends!(
    expired_records_and_dead_cache_keys_are_removed_and_nothing_live,
    two_runs_at_once_remove_each_record_once,
);

fn sighting(key: &str) -> Sighting<'_> {
    Sighting {
        severity: AlertSeverity::Warning,
        source: "test",
        key,
        message: format!("{key} is off"),
        details: serde_json::json!({}),
    }
}

/// Two alerts resolved 91 days ago (with their notifications), and one resolved now.
async fn old_and_new_alerts(app: &TestApp) {
    for key in ["old-a", "old-b"] {
        alerts::observe(&app.ctx, sighting(key)).await.unwrap();
        alerts::clear(&app.ctx, key).await.unwrap().expect("resolved");
    }
    drain(app, Priority::Notifications).await;
    app.clock.advance(chrono::Duration::days(91));
    alerts::observe(&app.ctx, sighting("recent")).await.unwrap();
    alerts::clear(&app.ctx, "recent").await.unwrap().expect("resolved");
    drain(app, Priority::Notifications).await;
}

async fn expired_records_and_dead_cache_keys_are_removed_and_nothing_live(app: TestApp) {
    let (mut app, outage) = TestApp::with_cache_outage(app.backend).await;
    old_and_new_alerts(&app).await;
    // A cache tag with one key gone and one live.
    let store = app.ctx.views.shared(StoreName::ALL[0]).expect("a shared store").clone();
    let tags = vec!["cleanup-test".to_owned()];
    let generations = store.read("a", &tags).await.unwrap().generations;
    assert!(store.write("short", "1", Duration::from_secs(1), &tags, &generations).await.unwrap());
    assert!(store.write("long", "2", Duration::from_secs(600), &tags, &generations).await.unwrap());
    app.pass(Duration::from_millis(1_500)).await;

    // The log groups: one drifted, one right, one absent (its function never ran).
    let groups = match app.backend {
        Backend::Memory => {
            let ring = shared::log_ring::LogRing::new(app.clock.clone(), 10);
            app.ctx = app.ctx.clone().with_log_source(ring);
            None
        }
        Backend::Aws => {
            let sdk = integration_tests::sdk_config_at(&integration_tests::aws_endpoint()).await;
            let client = aws_sdk_cloudwatchlogs::Client::new(&sdk);
            let prefix = format!("/aws/lambda/{}-", integration_tests::unique("retention"));
            for (function, days) in [("orders-create", 7), ("orders-list", 30)] {
                let group = format!("{prefix}{function}");
                client.create_log_group().log_group_name(&group).send().await.unwrap();
                client.put_retention_policy().log_group_name(&group).retention_in_days(days).send().await.unwrap();
            }
            let functions = vec!["orders-create".to_owned(), "orders-list".to_owned(), "orders-get".to_owned()];
            let logs =
                shared::adapters::aws::CloudWatchLogs::new(&sdk, prefix.clone(), functions).with_retention_days(30);
            app.ctx = app.ctx.clone().with_log_source(Arc::new(logs));
            Some((client, prefix))
        }
    };

    let report = log_cleanup(&app.ctx, serde_json::json!({})).await.expect("a clean run");
    assert_eq!(report["records_removed"]["resolved_alerts"], 2, "{report}");
    // Each old alert's opening and resolution notifications.
    assert_eq!(report["records_removed"]["admin_notifications"], 4, "{report}");
    let pruned = &report["cache_tags"][StoreName::ALL[0].as_str()];
    assert_eq!((pruned["members_dropped"].as_u64(), pruned["sets_removed"].as_u64()), (Some(1), Some(0)), "{report}");
    match groups {
        None => assert_eq!(report["log_retention"], serde_json::json!({"days": null, "changed": []})),
        Some((client, prefix)) => {
            assert_eq!(
                report["log_retention"],
                serde_json::json!({"days": 30, "changed": [format!("{prefix}orders-create")]})
            );
            let described = client.describe_log_groups().log_group_name_prefix(&prefix).send().await.unwrap();
            let days: Vec<Option<i32>> = described.log_groups().iter().map(|g| g.retention_in_days).collect();
            assert_eq!(days, [Some(30), Some(30)]);
        }
    }
    // What is live stays: the recent alert, its notifications, the live cache key.
    let (all, _) = app.ctx.stores.alerts.list(false, 10, None).await.unwrap();
    assert_eq!(all.iter().map(|a| a.dedup_key.as_str()).collect::<Vec<_>>(), ["recent"]);
    let (inbox, _) = app.ctx.stores.notifications.page(&Inbox::Admins, 10, None).await.unwrap();
    assert_eq!(inbox.len(), 2);
    assert_eq!(store.read("long", &[]).await.unwrap().value.as_deref(), Some("2"));
    // Again: nothing left to remove.
    let again = clean(&app.ctx).await;
    assert!(again.records_removed.values().all(|n| *n == 0), "{again:?}");

    // Redis down: the cache part fails and says so; the rest is done; the run fails (its alarm fires).
    app.clock.advance(chrono::Duration::days(91));
    outage.stop();
    let failed = log_cleanup(&app.ctx, serde_json::json!({})).await.expect_err("a part failed");
    assert!(failed.contains("cache store"), "{failed}");
    let (all, _) = app.ctx.stores.alerts.list(false, 10, None).await.unwrap();
    assert!(all.is_empty(), "the store part ran: {all:?}");
    outage.restart();
}

async fn two_runs_at_once_remove_each_record_once(app: TestApp) {
    old_and_new_alerts(&app).await;
    let (first, second) = tokio::join!(clean(&app.ctx), clean(&app.ctx));
    let removed = |list: &str| first.records_removed[list] + second.records_removed[list];
    assert_eq!((removed("resolved_alerts"), removed("admin_notifications")), (2, 4), "{first:?} {second:?}");
    assert!(first.failures.is_empty() && second.failures.is_empty(), "{first:?} {second:?}");
}
