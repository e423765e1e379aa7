//! The queue worker end to end, on both backends (in memory, and SQS + DynamoDB on the emulators):
//! redelivery does the work once, poison ends in the DLQ after 3 receives, a bad message fails alone.

use async_trait::async_trait;
use aws_lambda_events::sqs::{SqsEvent, SqsMessage};
use integration_tests::{Backend, TestApp};
use shared::domain::{Job, Priority};
use shared::ports::QueueRef;
use shared::ports::queue::MAX_RECEIVE_COUNT;
use shared::services::alerts::ALERT_JOB;
use shared::worker::{JobError, JobHandler, JobRegistry, MessageOutcome, dispatch, poll_once};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const QUEUE: QueueRef = QueueRef::Main(Priority::Notifications);
const VISIBILITY: Duration = Duration::from_secs(1);

integration_tests::on_both_backends!(
    a_redelivered_message_does_its_work_once,
    a_poison_message_ends_in_the_dead_letter_queue_after_three_receives,
    a_batch_with_one_bad_message_reports_exactly_that_one,
    a_failed_job_runs_again_on_its_next_delivery,
    a_job_running_elsewhere_is_left_for_later,
    a_job_that_fails_its_last_attempt_is_kept_with_why,
    a_job_whose_worker_died_after_claiming_it_runs_on_the_next_delivery_once,
    a_late_owner_cannot_release_or_complete_the_claim_that_took_over,
);

fn alert_payload(app: &TestApp, key: &str) -> serde_json::Value {
    use shared::clock::Clock;
    // A plain alert as notices were queued before alerts had a lifecycle: it reads as an opening, and goes into
    // the history.
    serde_json::json!({
        "id": shared::domain::AlertId::generate(), "severity": "warning", "source": "test", "dedup_key": key,
        "message": format!("alert {key}"), "details": {}, "raised_at": app.clock.now(),
    })
}

async fn wait_for(app: &TestApp) -> Duration {
    if app.backend == Backend::Aws { Duration::from_secs(2) } else { Duration::ZERO }
}

async fn a_redelivered_message_does_its_work_once(app: TestApp) {
    let ctx = &app.ctx;
    let registry = shared::worker::standard_registry();
    dispatch(&*ctx.queue, &*ctx.clock, ALERT_JOB, &alert_payload(&app, "once"), Priority::Notifications).await.unwrap();

    // First delivery: the work runs, but the acknowledgement is lost (the message is not deleted).
    let first = ctx.queue.receive(QUEUE, 10, wait_for(&app).await, VISIBILITY).await.unwrap();
    assert_eq!(first.len(), 1);
    let batch = [shared::worker::IncomingMessage {
        message_id: first[0].message_id.clone(),
        body: first[0].body.clone(),
        receive_count: 1,
        queue: Some(Priority::Notifications),
    }];
    assert_eq!(shared::worker::process_batch(ctx, &registry, &batch).await, [MessageOutcome::Done]);

    app.pass(VISIBILITY + Duration::from_millis(200)).await;
    let report = poll_once(ctx, &registry, QUEUE, wait_for(&app).await, VISIBILITY).await.unwrap();
    // Beside it, the admins' event the first run handed on.
    let again: Vec<&MessageOutcome> =
        report.outcomes.iter().filter(|(id, _)| *id == first[0].message_id).map(|(_, o)| o).collect();
    assert_eq!(again, [&MessageOutcome::Duplicate], "redelivered: {:?}", report.outcomes);
    assert_eq!(ctx.stores.alerts.list(false, 10, None).await.unwrap().0.len(), 1, "the alert was recorded once");
    app.pass(VISIBILITY + Duration::from_millis(200)).await;
    assert!(ctx.queue.receive(QUEUE, 10, Duration::ZERO, VISIBILITY).await.unwrap().is_empty(), "and then deleted");
}

async fn a_poison_message_ends_in_the_dead_letter_queue_after_three_receives(app: TestApp) {
    let ctx = &app.ctx;
    let registry = shared::worker::standard_registry();
    ctx.queue.send(QUEUE, "this is not a job", None).await.unwrap();
    for attempt in 1..=MAX_RECEIVE_COUNT {
        let report = poll_once(ctx, &registry, QUEUE, wait_for(&app).await, VISIBILITY).await.unwrap();
        assert_eq!(report.outcomes.len(), 1, "delivery {attempt}");
        assert!(
            matches!(&report.outcomes[0].1, MessageOutcome::Failed(reason) if reason.contains("not a job envelope"))
        );
        app.pass(VISIBILITY + Duration::from_millis(200)).await;
    }
    let report = poll_once(ctx, &registry, QUEUE, Duration::ZERO, VISIBILITY).await.unwrap();
    assert!(report.outcomes.is_empty(), "no fourth delivery");
    let dead = ctx
        .queue
        .receive(QueueRef::DeadLetter(Priority::Notifications), 10, wait_for(&app).await, VISIBILITY)
        .await
        .unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].body, "this is not a job");
}

async fn a_batch_with_one_bad_message_reports_exactly_that_one(app: TestApp) {
    let ctx = &app.ctx;
    let registry = shared::worker::standard_registry();
    for key in ["a", "b"] {
        dispatch(&*ctx.queue, &*ctx.clock, ALERT_JOB, &alert_payload(&app, key), Priority::Notifications)
            .await
            .unwrap();
    }
    let unknown = Job {
        id: shared::domain::JobId::generate(),
        job_type: "no.such.job".into(),
        payload: serde_json::json!({}),
        dispatched_at: chrono::Utc::now(),
        requeued_at: None,
    };
    let bad_id = ctx.queue.send(QUEUE, &serde_json::to_string(&unknown).unwrap(), None).await.unwrap();

    let mut received = Vec::new();
    for _ in 0..5 {
        received.extend(ctx.queue.receive(QUEUE, 10, wait_for(&app).await, Duration::from_secs(30)).await.unwrap());
        if received.len() == 3 {
            break;
        }
    }
    assert_eq!(received.len(), 3);
    // The Lambda event SQS would deliver for this batch.
    let mut event = SqsEvent::default();
    for m in &received {
        let mut record = SqsMessage::default();
        record.message_id = Some(m.message_id.clone());
        record.receipt_handle = Some(m.receipt_handle.clone());
        record.body = Some(m.body.clone());
        event.records.push(record);
    }
    let response = shared::worker::handle(ctx, &registry, event).await;
    let failed: Vec<&str> = response.batch_item_failures.iter().map(|f| f.item_identifier.as_str()).collect();
    assert_eq!(failed, [bad_id.as_str()]);
    assert_eq!(ctx.stores.alerts.list(false, 10, None).await.unwrap().0.len(), 2);
}

/// A job type that fails its first `failures` attempts, counting every run.
struct Flaky {
    runs: Arc<AtomicUsize>,
    failures: usize,
    takes: Duration,
}

#[async_trait]
impl JobHandler<shared::app::AppContext> for Flaky {
    async fn handle(&self, _: &shared::app::AppContext, _: &Job, _: u32) -> Result<(), JobError> {
        let run = self.runs.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(self.takes).await;
        if run < self.failures { Err(JobError::InvalidPayload(format!("attempt {run} fails"))) } else { Ok(()) }
    }
}

async fn a_failed_job_runs_again_on_its_next_delivery(app: TestApp) {
    let ctx = &app.ctx;
    let runs = Arc::new(AtomicUsize::new(0));
    let mut registry = JobRegistry::default();
    registry.register("test.flaky", Flaky { runs: runs.clone(), failures: 1, takes: Duration::ZERO });
    dispatch(&*ctx.queue, &*ctx.clock, "test.flaky", &serde_json::json!({}), Priority::Notifications).await.unwrap();

    let first = poll_once(ctx, &registry, QUEUE, wait_for(&app).await, VISIBILITY).await.unwrap();
    assert!(first.outcomes[0].1.is_failure());
    app.pass(VISIBILITY + Duration::from_millis(200)).await;
    let second = poll_once(ctx, &registry, QUEUE, wait_for(&app).await, VISIBILITY).await.unwrap();
    assert_eq!(second.outcomes[0].1, MessageOutcome::Done, "the failed attempt released its claim");
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

/// The queues' visibility timeout in the template: when SQS delivers a message again after a worker that took
/// it stopped answering.
const REDELIVERED_AFTER: Duration = Duration::from_secs(180);

async fn a_job_whose_worker_died_after_claiming_it_runs_on_the_next_delivery_once(app: TestApp) {
    let ctx = &app.ctx;
    let runs = Arc::new(AtomicUsize::new(0));
    let mut registry = JobRegistry::default();
    registry.register("test.counted", Flaky { runs: runs.clone(), failures: 0, takes: Duration::ZERO });
    let job = Job {
        id: shared::domain::JobId::generate(),
        job_type: "test.counted".into(),
        payload: serde_json::json!({}),
        dispatched_at: chrono::Utc::now(),
        requeued_at: None,
    };
    let delivery = |receive_count| shared::worker::IncomingMessage {
        message_id: "m".into(),
        body: serde_json::to_string(&job).unwrap(),
        receive_count,
        queue: None,
    };
    // The first delivery's worker claimed the job and died (its function timed out, or its instance went).
    let claims = &ctx.stores.job_claims;
    let keep = Duration::from_secs(15 * 24 * 3600);
    let Ok(shared::store::Claim::Acquired(dead)) =
        claims.claim(job.id.as_str(), shared::clock::Clock::now(&*app.clock), shared::worker::LEASE, keep).await
    else {
        panic!("the first delivery's claim");
    };
    // SQS delivers the message again after its visibility timeout: the lease has run out, the job runs.
    app.clock.advance(chrono::Duration::from_std(REDELIVERED_AFTER).unwrap());
    let second = shared::worker::process_batch(ctx, &registry, &[delivery(2)]).await;
    assert_eq!(second, [MessageOutcome::Done]);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    // Had the first worker been only slow, its late release or completion would not touch the new owner's
    // record: the job stays done, and a third delivery does nothing.
    claims.release(job.id.as_str(), &dead).await.unwrap();
    let late = claims.complete(job.id.as_str(), &dead, shared::clock::Clock::now(&*app.clock), keep).await;
    assert!(matches!(late, Err(shared::error::PortError::Conflict { .. })), "{late:?}");
    let third = shared::worker::process_batch(ctx, &registry, &[delivery(3)]).await;
    assert_eq!(third, [MessageOutcome::Duplicate]);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

async fn a_job_running_elsewhere_is_left_for_later(app: TestApp) {
    let ctx = &app.ctx;
    let runs = Arc::new(AtomicUsize::new(0));
    let mut registry = JobRegistry::default();
    registry.register("test.slow", Flaky { runs: runs.clone(), failures: 0, takes: Duration::from_millis(500) });
    let job = Job {
        id: shared::domain::JobId::generate(),
        job_type: "test.slow".into(),
        payload: serde_json::json!({}),
        dispatched_at: chrono::Utc::now(),
        requeued_at: None,
    };
    let message = shared::worker::IncomingMessage {
        message_id: "m".into(),
        body: serde_json::to_string(&job).unwrap(),
        receive_count: 1,
        queue: None,
    };
    // Two deliveries of the same job at once (SQS delivers at least once): one runs, one backs off.
    let (a, b) = tokio::join!(
        shared::worker::process_batch(ctx, &registry, std::slice::from_ref(&message)),
        shared::worker::process_batch(ctx, &registry, std::slice::from_ref(&message)),
    );
    let mut outcomes = [a[0].clone(), b[0].clone()];
    outcomes.sort_by_key(|o| o.is_failure());
    assert_eq!(outcomes[0], MessageOutcome::Done);
    assert!(matches!(&outcomes[1], MessageOutcome::Failed(r) if r.contains("another worker")));
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

async fn a_job_that_fails_its_last_attempt_is_kept_with_why(app: TestApp) {
    use shared::clock::Clock;
    use shared::store::FailedJobFilter;
    let ctx = &app.ctx;
    let registry = shared::worker::standard_registry();
    let payload = serde_json::json!({"order_id": "o-1"});
    let id = dispatch(&*ctx.queue, &*ctx.clock, "test.retired", &payload, Priority::Notifications).await.unwrap().id;
    let started = app.clock.now();
    for attempt in 1..=MAX_RECEIVE_COUNT {
        let report = poll_once(ctx, &registry, QUEUE, wait_for(&app).await, VISIBILITY).await.unwrap();
        assert_eq!(report.outcomes.len(), 1, "delivery {attempt}");
        let kept = ctx.stores.failed_jobs.get(id.as_str()).await.unwrap().expect("every failed attempt is kept");
        assert_eq!((kept.attempts, kept.dead), (attempt, attempt == MAX_RECEIVE_COUNT));
        let listed = ctx.stores.failed_jobs.dead(&FailedJobFilter::All, 10, None).await.unwrap().0;
        assert_eq!(listed.len(), usize::from(attempt == MAX_RECEIVE_COUNT), "listed once it failed its last attempt");
        app.pass(VISIBILITY + Duration::from_millis(200)).await;
    }
    let kept = ctx.stores.failed_jobs.get(id.as_str()).await.unwrap().unwrap();
    assert_eq!(kept.job_type, "test.retired");
    assert_eq!(kept.queue, Some(Priority::Notifications));
    assert_eq!(kept.error, "unknown job type `test.retired`");
    assert_eq!(kept.payload, payload);
    assert_eq!(kept.first_failed_at, started, "the first failure is kept");
    assert!(kept.last_failed_at > kept.first_failed_at);
    for filter in [FailedJobFilter::Queue(Priority::Notifications), FailedJobFilter::JobType("test.retired".into())] {
        let listed = ctx.stores.failed_jobs.dead(&filter, 10, None).await.unwrap().0;
        assert_eq!(listed.iter().map(|f| f.job_id.as_str()).collect::<Vec<_>>(), [id.as_str()], "{filter:?}");
    }
    assert!(ctx.stores.failed_jobs.dead(&FailedJobFilter::Queue(Priority::High), 10, None).await.unwrap().0.is_empty());
    assert!(ctx.stores.failed_jobs.delete(id.as_str()).await.unwrap());
    assert!(!ctx.stores.failed_jobs.delete(id.as_str()).await.unwrap(), "gone");
    assert!(ctx.stores.failed_jobs.dead(&FailedJobFilter::All, 10, None).await.unwrap().0.is_empty());
}

/// While the delivery that took a job over is still running it, the first owner (slow, not dead) finishing late
/// neither releases its claim (which would let a third delivery run the job alongside) nor marks it done.
async fn a_late_owner_cannot_release_or_complete_the_claim_that_took_over(app: TestApp) {
    use shared::clock::Clock;
    use shared::store::Claim;
    let claims = &app.ctx.stores.job_claims;
    let keep = Duration::from_secs(15 * 24 * 3600);
    let job = "job-taken-over";
    let Ok(Claim::Acquired(first)) = claims.claim(job, app.clock.now(), shared::worker::LEASE, keep).await else {
        panic!("the first claim");
    };
    app.clock.advance(chrono::Duration::from_std(REDELIVERED_AFTER).unwrap());
    let Ok(Claim::Acquired(second)) = claims.claim(job, app.clock.now(), shared::worker::LEASE, keep).await else {
        panic!("the take-over");
    };
    claims.release(job, &first).await.unwrap();
    assert_eq!(
        claims.claim(job, app.clock.now(), shared::worker::LEASE, keep).await.unwrap(),
        Claim::Busy,
        "still held"
    );
    let late = claims.complete(job, &first, app.clock.now(), keep).await;
    assert!(matches!(late, Err(shared::error::PortError::Conflict { .. })), "{late:?}");
    assert_eq!(claims.claim(job, app.clock.now(), shared::worker::LEASE, keep).await.unwrap(), Claim::Busy, "not done");
    claims.complete(job, &second, app.clock.now(), keep).await.unwrap();
    assert_eq!(claims.claim(job, app.clock.now(), shared::worker::LEASE, keep).await.unwrap(), Claim::AlreadyDone);
}
