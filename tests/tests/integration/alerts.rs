//! Alerts' lifecycle (`platform::alerts`) on both backends: a condition opens one alert, is counted while it
//! lasts, escalates, is acknowledged, resolves when it clears (announced), and a flapping condition is not
//! announced again within the quiet period; two checks at once open one alert. Announcements are the
//! `system.alert` jobs on the notifications queue.

use futures_util::future::join_all;
use integration_tests::TestApp;
use integration_tests::api::{Call, Caller};
use integration_tests::sighting;
use shared::clock::Clock;
use shared::domain::*;
use shared::ports::QueueRef;
use shared::routes;
use shared::services::alerts::{self, AcknowledgeError, AlertNotice, Observed, QUIET_PERIOD};
use shared::services::monitoring::alerts::Listing;
use std::time::Duration;

integration_tests::on_both_backends!(
    a_condition_opens_one_alert_counts_its_sightings_and_resolves_when_it_clears,
    a_higher_severity_is_announced_and_a_lower_one_is_not,
    an_admin_acknowledges_an_open_alert_once,
    a_flapping_condition_is_not_announced_again_within_the_quiet_period,
    checks_that_see_one_condition_at_once_open_one_alert,
    the_scheduled_health_check_keeps_one_alert_per_condition_while_it_lasts,
    an_opening_or_resolution_not_delivered_is_sent_again_and_delivered_once,
    a_resolution_not_delivered_is_sent_again_by_the_next_health_check,
    the_scheduled_health_check_runs_one_at_a_time,
    each_change_is_written_to_the_log_as_one_structured_line,
    a_flapping_alert_that_lasts_or_gets_worse_is_announced,
    admins_list_open_or_all_alerts_a_page_at_a_time_and_acknowledge_one,
    the_worker_hands_each_change_to_the_admins_feed_once_however_often_it_runs,
);

/// The announcements queued since the last call (taken off the queue, undelivered).
async fn notices(app: &TestApp) -> Vec<AlertNotice> {
    taken(app).await.into_iter().map(|(notice, _)| notice).collect()
}

/// The announcements queued since the last call, with their messages (taken off the queue, undelivered), each
/// job once: a notice sent again under its job id is the same delivery.
async fn taken(app: &TestApp) -> Vec<(AlertNotice, String)> {
    let queue = QueueRef::Main(Priority::Notifications);
    let mut notices = Vec::new();
    let mut ids = std::collections::BTreeSet::new();
    loop {
        let batch = app.ctx.queue.receive(queue, 10, Duration::from_secs(1), Duration::from_secs(600)).await.unwrap();
        for message in &batch {
            let job: Job = serde_json::from_str(&message.body).expect("a job");
            assert_eq!(job.job_type, alerts::ALERT_JOB);
            if ids.insert(job.id.as_str().to_owned()) {
                notices.push((serde_json::from_value(job.payload).expect("an alert notice"), message.body.clone()));
            }
            app.ctx.queue.delete(queue, &message.receipt_handle).await.unwrap();
        }
        if app.ctx.queue.attributes(queue).await.unwrap().visible == 0 {
            return notices;
        }
    }
}

/// Delivers these messages: back on the queue, and the worker runs them (and what they hand on).
async fn deliver(app: &TestApp, messages: &[(AlertNotice, String)]) {
    for (_, body) in messages {
        app.ctx.queue.send(QueueRef::Main(Priority::Notifications), body, None).await.unwrap();
    }
    integration_tests::drain(app, Priority::Notifications).await;
}

fn kinds(notices: &[AlertNotice]) -> Vec<AlertChange> {
    notices.iter().map(|n| n.change).collect()
}

async fn a_condition_opens_one_alert_counts_its_sightings_and_resolves_when_it_clears(app: TestApp) {
    let opened = alerts::observe(&app.ctx, sighting("disk", AlertSeverity::Warning)).await.unwrap();
    let Observed::Opened(alert) = opened else { panic!("opened: {opened:?}") };
    app.clock.advance(chrono::Duration::minutes(5));
    for n in 2..=3 {
        let again = alerts::observe(&app.ctx, sighting("disk", AlertSeverity::Warning)).await.unwrap();
        let Observed::Repeated(open) = again else { panic!("repeated: {again:?}") };
        assert_eq!((open.id.clone(), open.occurrences, open.state), (alert.id.clone(), n, AlertState::Open));
        assert_eq!(open.last_seen_at, Some(app.clock.now()));
    }
    let announced = notices(&app).await;
    assert_eq!(kinds(&announced), [AlertChange::Opened], "one announcement while it lasts");
    assert_eq!(announced[0].alert.id, alert.id);
    let (open, _) = app.ctx.stores.alerts.list(true, 10, None).await.unwrap();
    assert_eq!(open.iter().map(|a| &a.id).collect::<Vec<_>>(), [&alert.id]);

    app.clock.advance(chrono::Duration::minutes(5));
    let resolved = alerts::clear(&app.ctx, "disk").await.unwrap().expect("resolved");
    assert_eq!((resolved.id.clone(), resolved.state), (alert.id.clone(), AlertState::Resolved));
    assert_eq!(alerts::clear(&app.ctx, "disk").await.unwrap(), None, "nothing left to resolve");
    assert_eq!(alerts::clear(&app.ctx, "never-seen").await.unwrap(), None);
    let resolution = taken(&app).await;
    assert_eq!(resolution.iter().map(|(n, _)| n.change).collect::<Vec<_>>(), [AlertChange::Resolved], "announced");
    let listed = shared::services::monitoring::alerts::list(&app.ctx, Listing::Open, 10, None).await.unwrap();
    assert!(listed.alerts.is_empty(), "no longer open for the admins: {listed:?}");
    // The store lists it among the open ones until its resolution is delivered.
    assert_eq!(app.ctx.stores.alerts.list(true, 10, None).await.unwrap().0.len(), 1);
    deliver(&app, &resolution).await;
    let stored = app.ctx.stores.alerts.get(&alert.id).await.unwrap().expect("kept");
    assert_eq!(
        (stored.state, stored.occurrences, stored.resolved_at),
        (AlertState::Resolved, 3, Some(app.clock.now()))
    );
    let (open, _) = app.ctx.stores.alerts.list(true, 10, None).await.unwrap();
    assert!(open.is_empty(), "no longer open: {open:?}");
    let (all, _) = app.ctx.stores.alerts.list(false, 10, None).await.unwrap();
    assert_eq!(all.len(), 1);
    // The history keeps it 90 days, then the table's TTL removes it.
    app.clock.advance(chrono::Duration::days(91));
    assert_eq!(app.ctx.stores.alerts.get(&alert.id).await.unwrap(), None, "expired");
    let (all, _) = app.ctx.stores.alerts.list(false, 10, None).await.unwrap();
    assert!(all.is_empty(), "{all:?}");

    // Once it is quiet long enough, the condition coming back is a new alert, announced.
    app.clock.advance(chrono::Duration::from_std(QUIET_PERIOD).unwrap() + chrono::Duration::minutes(1));
    let back = alerts::observe(&app.ctx, sighting("disk", AlertSeverity::Warning)).await.unwrap();
    let Observed::Opened(second) = back else { panic!("opened again: {back:?}") };
    assert_ne!(second.id, alert.id);
    assert!(second.notified);
    assert_eq!(kinds(&notices(&app).await), [AlertChange::Opened]);
}

async fn a_higher_severity_is_announced_and_a_lower_one_is_not(app: TestApp) {
    alerts::observe(&app.ctx, sighting("queue", AlertSeverity::Warning)).await.unwrap();
    let worse = alerts::observe(&app.ctx, sighting("queue", AlertSeverity::Critical)).await.unwrap();
    assert_eq!(worse.alert().severity, AlertSeverity::Critical);
    let better = alerts::observe(&app.ctx, sighting("queue", AlertSeverity::Warning)).await.unwrap();
    assert_eq!((better.alert().severity, better.alert().occurrences), (AlertSeverity::Warning, 3));
    assert_eq!(kinds(&notices(&app).await), [AlertChange::Opened, AlertChange::Escalated]);
}

async fn an_admin_acknowledges_an_open_alert_once(app: TestApp) {
    let opened = alerts::observe(&app.ctx, sighting("cache", AlertSeverity::Critical)).await.unwrap();
    let id = opened.alert().id.clone();
    let acked = alerts::acknowledge(&app.ctx, &id, "ops@example.org").await.unwrap();
    assert_eq!((acked.state, acked.acknowledged_by.as_deref()), (AlertState::Acknowledged, Some("ops@example.org")));
    assert_eq!(acked.acknowledged_at, Some(app.clock.now()));
    let twice = alerts::acknowledge(&app.ctx, &id, "someone-else").await.unwrap_err();
    assert!(matches!(twice, AcknowledgeError::NotOpen(AlertState::Acknowledged)), "{twice:?}");
    let missing = alerts::acknowledge(&app.ctx, &AlertId("no-such-alert".into()), "ops").await.unwrap_err();
    assert!(matches!(missing, AcknowledgeError::NotFound(_)), "{missing:?}");

    // Acknowledged, it is still open: seen again it counts, and it resolves when the condition clears.
    let again = alerts::observe(&app.ctx, sighting("cache", AlertSeverity::Critical)).await.unwrap();
    assert_eq!((again.alert().id.clone(), again.alert().state), (id.clone(), AlertState::Acknowledged));
    let (open, _) = app.ctx.stores.alerts.list(true, 10, None).await.unwrap();
    assert_eq!(open.len(), 1);
    alerts::clear(&app.ctx, "cache").await.unwrap().expect("resolved");
    let late = alerts::acknowledge(&app.ctx, &id, "ops").await.unwrap_err();
    assert!(matches!(late, AcknowledgeError::NotOpen(AlertState::Resolved)), "{late:?}");
}

async fn a_flapping_condition_is_not_announced_again_within_the_quiet_period(app: TestApp) {
    alerts::observe(&app.ctx, sighting("panel", AlertSeverity::Warning)).await.unwrap();
    alerts::clear(&app.ctx, "panel").await.unwrap();
    assert_eq!(kinds(&notices(&app).await), [AlertChange::Opened, AlertChange::Resolved]);

    // Back five minutes later, gone again, back again: recorded, never announced.
    for _ in 0..2 {
        app.clock.advance(chrono::Duration::minutes(5));
        let back = alerts::observe(&app.ctx, sighting("panel", AlertSeverity::Critical)).await.unwrap();
        let Observed::Opened(alert) = back else { panic!("opened: {back:?}") };
        assert!(!alert.notified, "flapping");
        alerts::observe(&app.ctx, sighting("panel", AlertSeverity::Critical)).await.unwrap();
        app.clock.advance(chrono::Duration::minutes(5));
        alerts::clear(&app.ctx, "panel").await.unwrap().expect("resolved");
    }
    assert!(notices(&app).await.is_empty(), "a flapping condition is quiet");
    let (all, _) = app.ctx.stores.alerts.list(false, 10, None).await.unwrap();
    assert_eq!(all.len(), 3, "every opening is on record");
}

async fn checks_that_see_one_condition_at_once_open_one_alert(app: TestApp) {
    let seen = join_all((0..6).map(|_| alerts::observe(&app.ctx, sighting("store", AlertSeverity::Critical)))).await;
    let seen: Vec<Observed> = seen.into_iter().map(Result::unwrap).collect();
    let opened = seen.iter().filter(|o| matches!(o, Observed::Opened(_))).count();
    assert_eq!(opened, 1, "{seen:?}");
    let ids: std::collections::BTreeSet<&AlertId> = seen.iter().map(|o| &o.alert().id).collect();
    assert_eq!(ids.len(), 1, "every check counted on the same alert");
    let stored = app.ctx.stores.alerts.get(ids.first().unwrap()).await.unwrap().unwrap();
    assert_eq!(stored.occurrences, 6, "no sighting lost");
    assert_eq!(kinds(&notices(&app).await), [AlertChange::Opened]);

    let cleared = join_all((0..4).map(|_| alerts::clear(&app.ctx, "store"))).await;
    let resolved = cleared.into_iter().map(Result::unwrap).filter(Option::is_some).count();
    assert_eq!(resolved, 1);
    assert_eq!(kinds(&notices(&app).await), [AlertChange::Resolved]);
}

async fn the_scheduled_health_check_keeps_one_alert_per_condition_while_it_lasts(app: TestApp) {
    use shared::services::monitoring::scheduled::health_check;
    integration_tests::workers_ran_lately(&app).await;
    let healthy = health_check(&app.ctx, serde_json::json!({})).await.unwrap();
    assert_eq!(healthy["status"], "healthy");
    assert_eq!(
        healthy["alert"],
        serde_json::json!({"opened": [], "open": [], "resolved": [], "resolution_resent": []})
    );

    // 120 jobs waiting on `high` (warning above 100): its alert, seen on every run while it lasts.
    let high = QueueRef::Main(Priority::High);
    for _ in 0..120 {
        app.ctx.queue.send(high, "{}", None).await.unwrap();
    }
    let first = health_check(&app.ctx, serde_json::json!({})).await.unwrap();
    assert_eq!(first["status"], "degraded");
    let backlog = first["alert"]["opened"][0].clone();
    assert!(backlog.is_string(), "{first}");
    let second = health_check(&app.ctx, serde_json::json!({})).await.unwrap();
    assert_eq!(second["alert"]["open"], serde_json::json!([backlog]), "{second}");
    let announced = notices(&app).await;
    assert_eq!(kinds(&announced), [AlertChange::Opened]);
    assert_eq!(
        (announced[0].alert.severity, announced[0].alert.dedup_key.as_str()),
        (AlertSeverity::Warning, "system-health:queue:high:backlog")
    );

    // A second problem while the first lasts is an alert of its own, announced.
    for _ in 0..60 {
        app.ctx.queue.send(QueueRef::DeadLetter(Priority::Low), "{}", None).await.unwrap();
    }
    let both = health_check(&app.ctx, serde_json::json!({})).await.unwrap();
    assert_eq!(both["alert"]["open"], serde_json::json!([backlog]), "{both}");
    let failed = both["alert"]["opened"][0].clone();
    assert!(failed.is_string() && failed != backlog, "{both}");
    let announced = notices(&app).await;
    assert_eq!(kinds(&announced), [AlertChange::Opened]);
    assert_eq!(announced[0].alert.dedup_key, "system-health:queue:low:failed");

    // The backlog drains: its alert resolves, and says so; the dead letters' stays open.
    loop {
        let batch = app.ctx.queue.receive(high, 10, Duration::from_secs(1), Duration::from_secs(600)).await.unwrap();
        for message in &batch {
            app.ctx.queue.delete(high, &message.receipt_handle).await.unwrap();
        }
        if batch.is_empty() {
            break;
        }
    }
    let recovered = health_check(&app.ctx, serde_json::json!({})).await.unwrap();
    assert_eq!(recovered["status"], "degraded", "{recovered}");
    assert_eq!(recovered["alert"]["resolved"], serde_json::json!([backlog]));
    assert_eq!(recovered["alert"]["open"], serde_json::json!([failed]));
    assert_eq!(kinds(&notices(&app).await), [AlertChange::Resolved]);
}

async fn an_opening_or_resolution_not_delivered_is_sent_again_and_delivered_once(app: TestApp) {
    let opened = alerts::observe(&app.ctx, sighting("lost", AlertSeverity::Critical)).await.unwrap();
    let id = opened.alert().id.clone();
    // The notice is lost (taken off the queue, never delivered): the next sighting within a minute waits, the one
    // after sends it again.
    assert_eq!(kinds(&notices(&app).await), [AlertChange::Opened]);
    alerts::observe(&app.ctx, sighting("lost", AlertSeverity::Critical)).await.unwrap();
    assert!(notices(&app).await.is_empty(), "its first delivery may still be on its way");
    app.clock.advance(chrono::Duration::minutes(5));
    alerts::observe(&app.ctx, sighting("lost", AlertSeverity::Critical)).await.unwrap();
    let again = taken(&app).await;
    assert_eq!(again.iter().map(|(n, _)| n.change).collect::<Vec<_>>(), [AlertChange::Opened]);
    // Delivered now: sightings stop sending it.
    deliver(&app, &again).await;
    assert!(app.ctx.stores.alerts.get(&id).await.unwrap().unwrap().announced);
    app.clock.advance(chrono::Duration::minutes(5));
    alerts::observe(&app.ctx, sighting("lost", AlertSeverity::Critical)).await.unwrap();
    assert!(notices(&app).await.is_empty(), "delivered once");

    // The resolution is lost too: the next clear sends it again, and once delivered, no more.
    alerts::clear(&app.ctx, "lost").await.unwrap().expect("resolved");
    let resolution = notices(&app).await;
    assert_eq!(kinds(&resolution), [AlertChange::Resolved]);
    assert_eq!(alerts::clear(&app.ctx, "lost").await.unwrap(), None);
    let resent = taken(&app).await;
    assert_eq!(resent.iter().map(|(n, _)| n.change).collect::<Vec<_>>(), [AlertChange::Resolved], "sent again");
    deliver(&app, &resent).await;
    assert_eq!(alerts::clear(&app.ctx, "lost").await.unwrap(), None);
    assert!(notices(&app).await.is_empty(), "delivered: not sent again");
}

async fn a_resolution_not_delivered_is_sent_again_by_the_next_health_check(app: TestApp) {
    use shared::services::monitoring::alerts::list;
    use shared::services::monitoring::scheduled::health_check;
    // A condition no check reads back (a panel that came back, say) resolves, and both notices are lost.
    alerts::observe(&app.ctx, sighting("panel:7", AlertSeverity::Warning)).await.unwrap();
    let resolved = alerts::clear(&app.ctx, "panel:7").await.unwrap().expect("resolved");
    assert_eq!(kinds(&notices(&app).await), [AlertChange::Opened, AlertChange::Resolved]);
    // The admins' open list does not show it; the store keeps it there for the check until it is delivered.
    assert!(list(&app.ctx, Listing::Open, 10, None).await.unwrap().alerts.is_empty());

    let soon = health_check(&app.ctx, serde_json::json!({})).await.unwrap();
    assert_eq!(soon["alert"]["resolution_resent"], serde_json::json!([]), "its first send may be on its way");
    app.clock.advance(chrono::Duration::minutes(5));
    let later = health_check(&app.ctx, serde_json::json!({})).await.unwrap();
    assert_eq!(later["alert"]["resolution_resent"], serde_json::json!([resolved.id]), "{later}");
    let resent = taken(&app).await;
    assert_eq!(resent.iter().map(|(n, _)| n.change).collect::<Vec<_>>(), [AlertChange::Resolved]);

    // Delivered (twice over: the queue redelivers): out of the open list for good, and sent no more.
    deliver(&app, &resent).await;
    deliver(&app, &resent).await;
    assert!(app.ctx.stores.alerts.list(true, 10, None).await.unwrap().0.is_empty());
    app.clock.advance(chrono::Duration::minutes(5));
    let after = health_check(&app.ctx, serde_json::json!({})).await.unwrap();
    assert_eq!(after["alert"]["resolution_resent"], serde_json::json!([]));
    assert!(notices(&app).await.is_empty());
}

async fn the_scheduled_health_check_runs_one_at_a_time(app: TestApp) {
    use shared::services::monitoring::scheduled::health_check;
    integration_tests::workers_ran_lately(&app).await;
    // A problem for the check to alert on.
    for _ in 0..120 {
        app.ctx.queue.send(QueueRef::Main(Priority::High), "{}", None).await.unwrap();
    }
    let runs = join_all((0..3).map(|_| health_check(&app.ctx, serde_json::json!({})))).await;
    let ran: Vec<&serde_json::Value> =
        runs.iter().map(|r| r.as_ref().unwrap()).filter(|r| r.get("skipped").is_none()).collect();
    assert!(!ran.is_empty(), "{runs:?}");
    let opened: usize = ran.iter().map(|r| r["alert"]["opened"].as_array().unwrap().len()).sum();
    assert_eq!(opened, 1, "one alert, however many runs overlapped: {runs:?}");
    assert_eq!(kinds(&notices(&app).await), [AlertChange::Opened]);
    // One after the other, each runs.
    for _ in 0..2 {
        let run = health_check(&app.ctx, serde_json::json!({})).await.unwrap();
        assert!(run.get("skipped").is_none(), "{run}");
    }
    // A run that died holding its lease (a timeout): the next ones skip until the lease runs out.
    let stuck = app.ctx.stores.job_claims.claim(
        "run:system-health-check",
        shared::clock::Clock::now(&*app.clock),
        Duration::from_secs(60),
        Duration::from_secs(60),
    );
    assert!(matches!(stuck.await.unwrap(), shared::store::Claim::Acquired(_)));
    let skipped = health_check(&app.ctx, serde_json::json!({})).await.unwrap();
    assert_eq!(skipped["skipped"], "another run is under way");
    app.clock.advance(chrono::Duration::seconds(61));
    let taken_over = health_check(&app.ctx, serde_json::json!({})).await.unwrap();
    assert_eq!(taken_over["status"], "degraded", "{taken_over}");
}

async fn a_flapping_alert_that_lasts_or_gets_worse_is_announced(app: TestApp) {
    alerts::observe(&app.ctx, sighting("flaps", AlertSeverity::Warning)).await.unwrap();
    alerts::clear(&app.ctx, "flaps").await.unwrap();
    notices(&app).await;
    app.clock.advance(chrono::Duration::minutes(5));
    let back = alerts::observe(&app.ctx, sighting("flaps", AlertSeverity::Warning)).await.unwrap();
    assert!(!back.alert().notified);
    app.clock.advance(chrono::Duration::minutes(10));
    alerts::observe(&app.ctx, sighting("flaps", AlertSeverity::Warning)).await.unwrap();
    assert!(notices(&app).await.is_empty(), "still within the quiet period");
    // It has now lasted the quiet period: no longer a flap, announced.
    app.clock.advance(chrono::Duration::from_std(QUIET_PERIOD).unwrap());
    let lasting = alerts::observe(&app.ctx, sighting("flaps", AlertSeverity::Warning)).await.unwrap();
    assert!(lasting.alert().notified);
    assert_eq!(kinds(&notices(&app).await), [AlertChange::Opened]);

    // Another flap that gets worse is announced at once.
    alerts::clear(&app.ctx, "flaps").await.unwrap();
    notices(&app).await;
    app.clock.advance(chrono::Duration::minutes(1));
    alerts::observe(&app.ctx, sighting("flaps", AlertSeverity::Warning)).await.unwrap();
    let worse = alerts::observe(&app.ctx, sighting("flaps", AlertSeverity::Critical)).await.unwrap();
    assert!(worse.alert().notified);
    assert_eq!(kinds(&notices(&app).await), [AlertChange::Opened]);
}

async fn admins_list_open_or_all_alerts_a_page_at_a_time_and_acknowledge_one(app: TestApp) {
    let admin = Caller::Admin("ops-admin".into());
    for key in ["a", "b", "c"] {
        alerts::observe(&app.ctx, sighting(key, AlertSeverity::Warning)).await.unwrap();
        app.clock.advance(chrono::Duration::minutes(1));
    }
    alerts::clear(&app.ctx, "a").await.unwrap().expect("resolved");
    let list = |query: &str| Call::to(&routes::SYSTEM_ALERTS, &[]).by(&admin).query(query);
    let keys = |reply: &integration_tests::api::Reply| -> Vec<String> {
        reply.body["data"]["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["dedup_key"].as_str().unwrap().to_owned())
            .collect()
    };

    let open = list("").send(&app).await;
    assert_eq!(open.status, 200, "{}", open.body);
    assert_eq!(keys(&open), ["c", "b"], "open ones, newest first");
    let all = list("status=all").send(&app).await;
    assert_eq!(keys(&all), ["c", "b", "a"]);
    assert_eq!(all.body["data"]["alerts"][2]["state"], "resolved");

    // A page at a time, and a cursor of one list is not one of the other.
    let first = list("status=all&limit=2").send(&app).await;
    assert_eq!(keys(&first), ["c", "b"]);
    let cursor = first.body["data"]["next_cursor"].as_str().expect("more").to_owned();
    let second = list(&format!("status=all&limit=2&cursor={cursor}")).send(&app).await;
    assert_eq!(keys(&second), ["a"]);
    let wrong_list = list(&format!("status=open&cursor={cursor}")).send(&app).await;
    assert_eq!((wrong_list.status, wrong_list.error_fields()), (422, vec!["cursor".to_owned()]));
    let bad = list("status=closed").send(&app).await;
    assert_eq!((bad.status, bad.error_fields()), (422, vec!["status".to_owned()]), "{}", bad.body);

    let b = open.body["data"]["alerts"][1]["id"].as_str().unwrap().to_owned();
    let ack = || Call::to(&routes::SYSTEM_ALERT_ACK, &[&b]).by(&admin);
    let acked = ack().send(&app).await;
    assert_eq!(acked.status, 200, "{}", acked.body);
    assert_eq!(
        (acked.body["data"]["state"].as_str(), acked.body["data"]["acknowledged_by"].as_str()),
        (Some("acknowledged"), Some("ops-admin"))
    );
    let again = ack().send(&app).await;
    assert_eq!(
        (again.status, again.body["error_code"].as_str(), again.body["alert_state"].as_str()),
        (409, Some("not_open"), Some("acknowledged"))
    );
    let missing = Call::to(&routes::SYSTEM_ALERT_ACK, &["no-such-alert"]).by(&admin).send(&app).await;
    assert_eq!(missing.status, 404);
    let still_open = list("").send(&app).await;
    assert_eq!(keys(&still_open), ["c", "b"], "acknowledged is still open");
}

async fn the_worker_hands_each_change_to_the_admins_feed_once_however_often_it_runs(app: TestApp) {
    let opened = alerts::observe(&app.ctx, sighting("feed", AlertSeverity::Warning)).await.unwrap();
    app.clock.advance(chrono::Duration::minutes(5));
    alerts::observe(&app.ctx, sighting("feed", AlertSeverity::Critical)).await.unwrap();
    app.clock.advance(chrono::Duration::minutes(5));
    alerts::clear(&app.ctx, "feed").await.unwrap().expect("resolved");
    // Each notice delivered twice (a redelivery): the second run is the same job, done once.
    let notices = integration_tests::deliver_every_message_twice(&app, Priority::Notifications).await;
    assert_eq!(notices, 3);

    let (events, _) = app.ctx.stores.feed.recent_for_admins(10, None).await.unwrap();
    let changes: Vec<(AlertChange, AlertSeverity)> = events
        .iter()
        .map(|e| match e {
            DomainEvent::SystemAlert { alert_id, change, severity, .. } => {
                assert_eq!(alert_id, &opened.alert().id);
                assert_eq!(e.channels(), ["admin"]);
                (*change, *severity)
            }
            other => panic!("not an alert: {other:?}"),
        })
        .collect();
    assert_eq!(
        changes,
        [
            (AlertChange::Resolved, AlertSeverity::Critical),
            (AlertChange::Escalated, AlertSeverity::Critical),
            (AlertChange::Opened, AlertSeverity::Warning),
        ],
        "newest first, once each"
    );
}

async fn each_change_is_written_to_the_log_as_one_structured_line(app: TestApp) {
    // The log channel: one line per change, with the fields the CloudWatch alarm and a reader filter on.
    let ring = shared::log_ring::LogRing::new(app.clock.clone(), 1000);
    let _logging = tracing::subscriber::set_default(ring.subscriber());
    let opened = alerts::observe(&app.ctx, sighting("disk", AlertSeverity::Critical)).await.unwrap();
    alerts::clear(&app.ctx, "disk").await.unwrap().expect("resolved");
    let notices = taken(&app).await;
    deliver(&app, &notices).await;
    deliver(&app, &notices).await;
    let now = shared::clock::Clock::now(&*app.clock);
    let search = shared::ports::LogSearch {
        function: None,
        min_level: Some(shared::ports::LogLevel::Warn),
        since: now - chrono::Duration::minutes(1),
        until: now + chrono::Duration::minutes(1),
        text: Some("\"message\":\"system alert\"".into()),
        limit: 10,
        after: None,
    };
    let lines = shared::ports::LogSource::search(&*ring, &search).await.unwrap();
    let mut fields: Vec<serde_json::Value> =
        lines.events.iter().map(|e| serde_json::from_str(&e.line).unwrap()).collect();
    // (The queue delivers the two notices in either order.)
    fields.sort_by_key(|line| line["alert_change"].as_str().map(str::to_owned));
    assert_eq!(fields.len(), 2, "one line per change, however often delivered: {fields:#?}");
    for (line, change) in fields.iter().zip(["opened", "resolved"]) {
        assert_eq!(line["level"], "WARN");
        assert_eq!(line["alert_change"], change);
        assert_eq!(line["alert_severity"], "Critical");
        assert_eq!((line["alert_key"].as_str(), line["alert_source"].as_str()), (Some("disk"), Some("test")));
        assert_eq!(line["alert_id"], opened.alert().id.to_string());
        assert_eq!(line["alert_message"], "disk is Critical", "the alert's own message, beside the line's");
    }
}

/// SQS out of reach for a run: the queue conditions' alerts stay open (nothing was seen of them), and the outage
/// is alerted on by itself.
#[tokio::test]
async fn the_queues_alerts_stay_open_while_the_queues_cannot_be_read() {
    use shared::services::monitoring::scheduled::health_check;
    let mut app = TestApp::new(integration_tests::Backend::Aws).await;
    let (queue, link) = integration_tests::sqs_queues_through_link().await;
    app.ctx.queue = std::sync::Arc::new(queue);
    integration_tests::workers_ran_lately(&app).await;
    for _ in 0..120 {
        app.ctx.queue.send(QueueRef::Main(Priority::High), "{}", None).await.unwrap();
    }
    let first = health_check(&app.ctx, serde_json::json!({})).await.unwrap();
    let backlog = first["alert"]["opened"][0].clone();
    assert!(backlog.is_string(), "{first}");
    link.cut();
    let blind = health_check(&app.ctx, serde_json::json!({})).await.unwrap();
    assert_eq!(blind["alert"]["resolved"], serde_json::json!([]), "not resolved unseen: {blind}");
    let open = app.ctx.stores.alerts.list(true, 10, None).await.unwrap().0;
    let mut keys: Vec<&str> = open.iter().map(|a| a.dedup_key.as_str()).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["system-health:queue:high:backlog", "system-health:queues"], "{keys:?}");
    link.restore();
}
