//! The alerts' e-mail channel (`platform::alert_mail`) on both backends — in memory, and SES on the emulator,
//! each message's payload read back from it: every admin address gets each change, at most one e-mail per
//! window, the rest as a digest in the next; a redelivered job sends nothing twice; a failing mail service holds
//! up no other channel, keeps what waits and is retried.

use integration_tests::sighting;
use integration_tests::{Backend, TestApp};
use shared::domain::*;
use shared::ports::QueueRef;
use shared::services::alerts;
use std::time::Duration;

integration_tests::on_both_backends!(
    every_admin_gets_each_change_at_most_one_email_per_window_and_a_digest_of_the_rest,
    a_failing_mail_service_holds_up_no_other_channel_and_is_retried_until_it_sends,
    a_line_is_taken_by_the_email_arranged_or_arranges_the_next_one,
);

/// Short, so that the AWS run waits for SQS's own delay of the next window's e-mail in seconds; long enough that
/// a window's changes are handled well within it on a loaded emulator.
const WINDOW: Duration = Duration::from_secs(5);

/// Runs every notification job, each message delivered twice (SQS delivers at least once).
async fn deliver_twice(app: &TestApp) {
    integration_tests::deliver_every_message_twice(app, Priority::Notifications).await;
}

/// One batch of the notifications queue, held for a second while it runs (a failure comes back a second later).
async fn poll(app: &TestApp) -> Vec<shared::worker::MessageOutcome> {
    let registry = shared::worker::standard_registry();
    let queue = QueueRef::Main(Priority::Notifications);
    let wait = if app.backend == Backend::Aws { Duration::from_secs(1) } else { Duration::ZERO };
    let report = shared::worker::poll_once(&app.ctx, &registry, queue, wait, Duration::from_secs(1)).await.unwrap();
    report.outcomes.into_iter().map(|(_, outcome)| outcome).collect()
}

/// Lets a window pass (the manual clock, and on AWS the queue's own delay) and runs what became due.
async fn next_window(app: &TestApp) {
    app.pass(WINDOW + Duration::from_millis(100)).await;
    deliver_twice(app).await;
}

async fn every_admin_gets_each_change_at_most_one_email_per_window_and_a_digest_of_the_rest(mut app: TestApp) {
    let (admins, outbox) = app.mail_alerts(2, WINDOW).await;
    let opened = alerts::observe(&app.ctx, sighting("store", AlertSeverity::Critical)).await.unwrap();
    deliver_twice(&app).await;
    for admin in &admins {
        let sent = outbox.sent_to(admin).await;
        assert_eq!(sent.len(), 1, "{admin}: {sent:?}");
        assert_eq!(sent[0].subject, "[1000proxy] CRITICAL alert opened: store");
        let text = &sent[0].text;
        assert!(text.starts_with("store is Critical\n"), "{text}");
        assert!(text.contains(&format!("Alert:      {}", opened.alert().id)), "{text}");
        assert!(text.contains("Sightings:  1") && text.contains("Change:     opened at 2026-11-24"), "{text}");
    }

    // Three more changes within the window: nothing more now, one digest each in the next window.
    let moment = || app.clock.advance(chrono::Duration::milliseconds(100));
    moment();
    alerts::observe(&app.ctx, sighting("cache", AlertSeverity::Warning)).await.unwrap();
    moment();
    alerts::observe(&app.ctx, sighting("queue", AlertSeverity::Critical)).await.unwrap();
    moment();
    alerts::clear(&app.ctx, "store").await.unwrap().expect("resolved");
    deliver_twice(&app).await;
    if app.backend == Backend::Memory {
        // (SQS keeps its own time: on AWS the next window's e-mail is released when the delay has passed on the
        // wall clock, whatever the test's clock says.)
        assert_eq!(outbox.sent().await.len(), 2, "one per address so far");
    }
    next_window(&app).await;
    for admin in &admins {
        let sent = outbox.sent_to(admin).await;
        assert_eq!(sent.len(), 2, "{admin}: {sent:?}");
        let digest = &sent[1];
        assert_eq!(digest.subject, "[1000proxy] 3 alert changes: 1 critical, 1 warning, 1 resolved");
        let lines: Vec<&str> = digest.text.lines().filter(|l| l.starts_with("2026-")).collect();
        assert_eq!(lines.len(), 3, "{}", digest.text);
        assert!(lines[0].contains("WARNING   opened     cache: cache is Warning"), "{}", digest.text);
        assert!(lines[2].contains("CRITICAL  resolved   store: store is Critical"), "{}", digest.text);
    }

    // Quiet for a window: the next change goes out at once again; nothing is ever sent twice.
    next_window(&app).await;
    alerts::observe(&app.ctx, sighting("panel", AlertSeverity::Warning)).await.unwrap();
    deliver_twice(&app).await;
    next_window(&app).await;
    let subjects: Vec<String> = outbox.sent_to(&admins[0]).await.into_iter().map(|e| e.subject).collect();
    assert_eq!(subjects.len(), 3, "{subjects:?}");
    assert_eq!(subjects[2], "[1000proxy] WARNING alert opened: panel");
    assert_eq!(outbox.sent().await.len(), 6);

    // The first change's job run again (as a retry does after it failed for another address): each address has
    // had that change already, so it is not queued again.
    let alert = opened.alert();
    let line = shared::store::PendingMail {
        alert_id: alert.id.clone(),
        change: AlertChange::Opened,
        severity: alert.severity,
        source: alert.source.clone(),
        condition: alert.dedup_key.clone(),
        message: alert.message.clone(),
        occurrences: 1,
        at: alert.raised_at,
        change_key: format!("alert:{}:opened", alert.id),
    };
    let (queue, clock) = (&*app.ctx.queue, &*app.ctx.clock);
    shared::jobs::dispatch(queue, clock, shared::services::alert_mail::ALERT_MAIL_JOB, &line, Priority::Notifications)
        .await
        .unwrap();
    deliver_twice(&app).await;
    next_window(&app).await;
    assert_eq!(outbox.sent().await.len(), 6, "no change is mailed twice");
}

async fn a_failing_mail_service_holds_up_no_other_channel_and_is_retried_until_it_sends(mut app: TestApp) {
    let (admins, outbox) = app.mail_alerts(1, WINDOW).await;
    app.set_mail_service_up(&outbox, false).await;
    alerts::observe(&app.ctx, sighting("store", AlertSeverity::Critical)).await.unwrap();
    // Run what is queued until only the e-mail's failures come back (a short visibility: they do, at once).
    let mut failed = 0;
    loop {
        let outcomes = poll(&app).await;
        failed += outcomes.iter().filter(|o| o.is_failure()).count();
        if outcomes.iter().all(|o| o.is_failure()) && failed > 0 {
            break;
        }
    }
    // The dashboard and the admins' feed have it; the e-mail waits in the outbox.
    let (inbox, _) = app.ctx.stores.notifications.page(&Inbox::Admins, 10, None).await.unwrap();
    assert_eq!(inbox.len(), 1);
    let (feed, _) = app.ctx.stores.feed.recent_for_admins(10, None).await.unwrap();
    assert_eq!(feed.len(), 1);
    assert!(outbox.sent().await.is_empty());
    let (waiting, _) = app.ctx.stores.mail_outbox.pending(&admins[0], 10).await.unwrap();
    assert_eq!(waiting.len(), 1);

    // Back up: the queue redelivers the job once its visibility runs out, and it sends, once.
    app.set_mail_service_up(&outbox, true).await;
    let mut sent = Vec::new();
    for _ in 0..20 {
        app.pass(Duration::from_secs(1)).await;
        assert!(poll(&app).await.len() <= 1, "only the e-mail is left to run");
        sent = outbox.sent().await;
        if !sent.is_empty() {
            break;
        }
    }
    assert_eq!(sent.len(), 1, "sent once the service is back: {sent:?}");
    assert_eq!(sent[0].subject, "[1000proxy] CRITICAL alert opened: store");
    assert!(app.ctx.stores.mail_outbox.pending(&admins[0], 10).await.unwrap().0.is_empty());
    next_window(&app).await;
    assert_eq!(outbox.sent().await.len(), 1, "nothing sent twice");
}

async fn a_line_is_taken_by_the_email_arranged_or_arranges_the_next_one(app: TestApp) {
    let outbox = &app.ctx.stores.mail_outbox;
    let to = integration_tests::unique("ops") + "@ops.example";
    // A quiet address: this window's e-mail; more lines meanwhile: the same one while it has not started.
    assert_eq!(outbox.arrange(&to, 10).await.unwrap(), 10);
    assert_eq!(outbox.arrange(&to, 10).await.unwrap(), 10);
    // It started (it may have read the outbox already): the next window's, and that one while it waits.
    outbox.starting(&to, 10).await.unwrap();
    assert_eq!(outbox.arrange(&to, 10).await.unwrap(), 11);
    assert_eq!(outbox.arrange(&to, 10).await.unwrap(), 11);
    // The next window's e-mail ran early (SQS's delay is in whole seconds): a line still in window 10 is for 12.
    outbox.starting(&to, 11).await.unwrap();
    assert_eq!(outbox.arrange(&to, 10).await.unwrap(), 12);
    // A late start of an older window moves nothing back.
    outbox.starting(&to, 10).await.unwrap();
    assert_eq!(outbox.arrange(&to, 11).await.unwrap(), 12);
    // Quiet since: a line long after is sent at once.
    assert_eq!(outbox.arrange(&to, 40).await.unwrap(), 40);

    // Twelve lines at once in a quiet window: all agree on one e-mail.
    let other = integration_tests::unique("ops") + "@ops.example";
    let windows = futures_util::future::join_all((0..12).map(|_| outbox.arrange(&other, 7))).await;
    assert!(windows.iter().all(|w| *w.as_ref().unwrap() == 7), "{windows:?}");
}
