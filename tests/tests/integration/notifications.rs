//! The dashboard's notifications (`platform::notifications`, `/admin/notifications`) on both backends: every
//! alert change lands in the admins' inbox once however often its jobs run; each admin has their own read marks
//! and unread count; marking one or all read; paging; bad ids and other callers refused.

use futures_util::future::join_all;
use integration_tests::api::{Call, Caller, Reply};
use integration_tests::sighting;
use integration_tests::{TestApp, drain};
use shared::domain::*;
use shared::routes;
use shared::services::alerts;
use shared::services::notifications;

integration_tests::on_both_backends!(
    every_alert_change_lands_in_the_admins_inbox_once_each_admin_reading_their_own,
    the_inbox_is_read_a_page_at_a_time_and_refuses_what_is_not_its_own,
    marking_read_twice_or_at_once_counts_once,
);

async fn inbox(app: &TestApp, admin: &Caller, query: &str) -> Reply {
    let reply = Call::to(&routes::ADMIN_NOTIFICATIONS, &[]).by(admin).query(query).send(app).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply
}

fn titles(reply: &Reply) -> Vec<(String, bool)> {
    reply.body["data"]["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["title"].as_str().unwrap().to_owned(), n["read"].as_bool().unwrap()))
        .collect()
}

fn unread(reply: &Reply) -> (u64, bool) {
    (reply.body["data"]["unread_count"].as_u64().unwrap(), reply.body["data"]["unread_more"].as_bool().unwrap())
}

async fn every_alert_change_lands_in_the_admins_inbox_once_each_admin_reading_their_own(app: TestApp) {
    let (ana, ben) = (Caller::Admin("ana".into()), Caller::Admin("ben".into()));
    let empty = inbox(&app, &ana, "").await;
    assert_eq!((titles(&empty), unread(&empty)), (vec![], (0, false)));

    alerts::observe(&app.ctx, sighting("disk", AlertSeverity::Warning)).await.unwrap();
    app.clock.advance(chrono::Duration::minutes(5));
    alerts::observe(&app.ctx, sighting("disk", AlertSeverity::Critical)).await.unwrap();
    app.clock.advance(chrono::Duration::minutes(5));
    alerts::clear(&app.ctx, "disk").await.unwrap().expect("resolved");
    integration_tests::deliver_every_message_twice(&app, Priority::Notifications).await;

    let seen = inbox(&app, &ana, "").await;
    assert_eq!(
        titles(&seen),
        [
            ("Resolved (critical): test".to_owned(), false),
            ("Alert escalated to critical: test".to_owned(), false),
            ("Warning alert: test".to_owned(), false),
        ],
        "each change once, newest first: {}",
        seen.body
    );
    assert_eq!(unread(&seen), (3, false));
    let newest = &seen.body["data"]["notifications"][0];
    assert_eq!((newest["kind"].as_str(), newest["severity"].as_str()), (Some("system_alert"), Some("info")));
    assert_eq!(newest["body"], "disk is Critical");
    assert_eq!(newest["created_at"], serde_json::json!(shared::clock::Clock::now(&*app.clock)));

    // Ana reads the escalation: hers only.
    let escalation = seen.body["data"]["notifications"][1]["id"].as_str().unwrap().to_owned();
    let read = Call::to(&routes::ADMIN_NOTIFICATION_READ, &[&escalation]).by(&ana).send(&app).await;
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(read.body["data"], serde_json::json!({"id": escalation, "read": true}));
    let ana_now = inbox(&app, &ana, "").await;
    assert_eq!(titles(&ana_now).iter().map(|(_, read)| *read).collect::<Vec<_>>(), [false, true, false]);
    assert_eq!(unread(&ana_now), (2, false));
    assert_eq!(unread(&inbox(&app, &ben, "").await), (3, false), "Ben has read nothing");

    // Ben reads everything; a later alert is unread for him again.
    let all = Call::to(&routes::ADMIN_NOTIFICATIONS_READ, &[]).by(&ben).send(&app).await;
    assert_eq!(all.status, 200, "{}", all.body);
    assert_eq!(all.body["data"]["read_until"], serde_json::json!(shared::clock::Clock::now(&*app.clock)));
    let ben_now = inbox(&app, &ben, "").await;
    assert_eq!((unread(&ben_now), titles(&ben_now).iter().all(|(_, read)| *read)), ((0, false), true));
    app.clock.advance(chrono::Duration::minutes(1));
    alerts::observe(&app.ctx, sighting("memory", AlertSeverity::Critical)).await.unwrap();
    drain(&app, Priority::Notifications).await;
    let ben_later = inbox(&app, &ben, "").await;
    assert_eq!(titles(&ben_later)[0], ("Critical alert: test".to_owned(), false));
    assert_eq!(unread(&ben_later), (1, false));
    assert_eq!(unread(&inbox(&app, &ana, "").await), (3, false));
}

async fn the_inbox_is_read_a_page_at_a_time_and_refuses_what_is_not_its_own(app: TestApp) {
    let admin = Caller::Admin("ops".into());
    for minute in 0..5 {
        let at = shared::clock::Clock::now(&*app.clock) + chrono::Duration::minutes(minute);
        let note = Notification {
            id: NotificationId::of(at, &format!("test:{minute}")),
            kind: "test".into(),
            severity: AlertSeverity::Info,
            title: format!("note {minute}"),
            body: String::new(),
            about: None,
            created_at: at,
        };
        notifications::notify(&app.ctx, Inbox::Admins, note).await.unwrap();
    }
    drain(&app, Priority::Notifications).await;
    let first = inbox(&app, &admin, "limit=2").await;
    let names = |reply: &Reply| titles(reply).into_iter().map(|(t, _)| t).collect::<Vec<_>>();
    assert_eq!(names(&first), ["note 4", "note 3"]);
    assert_eq!(unread(&first), (5, false), "the count is of the inbox, not the page");
    let cursor = first.body["data"]["next_cursor"].as_str().expect("more").to_owned();
    let second = inbox(&app, &admin, &format!("limit=2&cursor={cursor}")).await;
    assert_eq!(names(&second), ["note 2", "note 1"]);

    // A customer's inbox is not the admins': a cursor of another list is refused, and so is a customer.
    let customer = Caller::customer(&CustomerId::generate());
    let refused = Call::to(&routes::ADMIN_NOTIFICATIONS, &[]).by(&customer).send(&app).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let alerts_cursor = shared::ports::table::Cursor(
        [("pk", "ALERT#x"), ("sk", "ALERT"), ("gsi1pk", "ALERTS"), ("gsi1sk", "x")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), shared::ports::table::Value::S(v.to_owned())))
            .collect(),
    )
    .token();
    let forged = Call::to(&routes::ADMIN_NOTIFICATIONS, &[]).by(&admin).query(&format!("cursor={alerts_cursor}"));
    let forged = forged.send(&app).await;
    assert_eq!((forged.status, forged.error_fields()), (422, vec!["cursor".to_owned()]));

    // Ids that are no notification: 404 in the envelope, whatever their shape.
    let gone = NotificationId::of(chrono::Utc::now(), "never").to_string();
    let long = "7".repeat(2000);
    for id in [gone.as_str(), "4b7e2c1d-9f3a-4e6b-8c5d-1a2b3c4d5e6f", "not-an-id", long.as_str()] {
        let missing = Call::to(&routes::ADMIN_NOTIFICATION_READ, &[id]).by(&admin).send(&app).await;
        assert_eq!((missing.status, missing.body["error_code"].as_str()), (404, Some("not_found")), "{id}");
    }
}

async fn marking_read_twice_or_at_once_counts_once(app: TestApp) {
    let admin = Caller::Admin("ops".into());
    alerts::observe(&app.ctx, sighting("queue", AlertSeverity::Warning)).await.unwrap();
    alerts::observe(&app.ctx, sighting("cache", AlertSeverity::Warning)).await.unwrap();
    drain(&app, Priority::Notifications).await;
    let before = inbox(&app, &admin, "").await;
    assert_eq!(unread(&before), (2, false));
    let id = before.body["data"]["notifications"][0]["id"].as_str().unwrap().to_owned();
    let replies =
        join_all((0..6).map(|_| Call::to(&routes::ADMIN_NOTIFICATION_READ, &[&id]).by(&admin).send(&app))).await;
    assert!(replies.iter().all(|r| r.status == 200), "{:?}", replies.iter().map(|r| &r.body).collect::<Vec<_>>());
    assert_eq!(unread(&inbox(&app, &admin, "").await), (1, false));
    let all = join_all((0..3).map(|_| Call::to(&routes::ADMIN_NOTIFICATIONS_READ, &[]).by(&admin).send(&app))).await;
    assert!(all.iter().all(|r| r.status == 200));
    assert_eq!(unread(&inbox(&app, &admin, "").await), (0, false));
}
