//! Queue management on both backends (in memory, and SQS + DynamoDB on the emulators): retrying dead letters
//! moves exactly the number asked and each job runs once; maintenance deletes only the dead letters older than
//! its cutoff, with their failed-job records, and archives what it did.

use async_trait::async_trait;
use chrono::Duration as Days;
use integration_tests::{Backend, TestApp};
use shared::domain::{Job, JobId, Priority};
use shared::ports::QueueRef;
use shared::services::queues::{RetryOutcome, maintenance, retry_failed};
use shared::store::Failure;
use shared::worker::{JobError, JobHandler, JobRegistry, MessageOutcome, poll_once};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const QUEUE: Priority = Priority::Notifications;
const DEAD: QueueRef = QueueRef::DeadLetter(QUEUE);

integration_tests::on_both_backends!(
    retry_moves_exactly_the_limit_and_each_job_runs_once,
    maintenance_deletes_only_dead_letters_older_than_the_cutoff,
);

struct Counting(Arc<AtomicUsize>);

#[async_trait]
impl JobHandler<shared::app::AppContext> for Counting {
    async fn handle(&self, _: &shared::app::AppContext, _: &Job, _: u32) -> Result<(), JobError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

fn job(job_type: &str, dispatched_at: chrono::DateTime<chrono::Utc>) -> Job {
    Job {
        id: JobId::generate(),
        job_type: job_type.into(),
        payload: serde_json::json!({"n": 1}),
        dispatched_at,
        requeued_at: None,
    }
}

async fn dead_letter(app: &TestApp, body: &str) {
    app.ctx.queue.send(DEAD, body, None).await.expect("a dead letter");
}

fn wait(app: &TestApp) -> Duration {
    if app.backend == Backend::Aws { Duration::from_secs(1) } else { Duration::ZERO }
}

async fn retry_moves_exactly_the_limit_and_each_job_runs_once(app: TestApp) {
    let ctx = &app.ctx;
    let runs = Arc::new(AtomicUsize::new(0));
    let mut registry = JobRegistry::default();
    registry.register("test.recovered", Counting(runs.clone()));
    let jobs: Vec<Job> = (0..3).map(|_| job("test.recovered", ctx.clock.now())).collect();
    for j in &jobs {
        dead_letter(&app, &serde_json::to_string(j).unwrap()).await;
    }

    let report = retry_failed(ctx, QUEUE, 2).await.unwrap();
    assert_eq!((report.requeued, report.results.len()), (2, 2), "{report:?}");
    for result in &report.results {
        assert!(matches!(result.outcome, RetryOutcome::Requeued { .. }), "{result:?}");
        let id = result.job_id.as_deref().expect("a job");
        assert!(jobs.iter().any(|j| j.id.as_str() == id), "the job keeps its id");
        assert_eq!(result.job_type.as_deref(), Some("test.recovered"));
    }
    assert_eq!(ctx.queue.attributes(DEAD).await.unwrap().visible, 1, "one left in the dead-letter queue");

    let mut done = 0;
    for _ in 0..5 {
        let polled =
            poll_once(ctx, &registry, QueueRef::Main(QUEUE), wait(&app), Duration::from_secs(5)).await.unwrap();
        done += polled.outcomes.iter().filter(|(_, o)| *o == MessageOutcome::Done).count();
        if done == 2 {
            break;
        }
    }
    assert_eq!((done, runs.load(Ordering::SeqCst)), (2, 2), "each retried job ran once");

    let rest = retry_failed(ctx, QUEUE, 10).await.unwrap();
    assert_eq!(rest.requeued, 1, "only what was left");
    assert_eq!(ctx.queue.attributes(DEAD).await.unwrap().visible, 0);
    assert_eq!(retry_failed(ctx, QUEUE, 10).await.unwrap().requeued, 0, "nothing to retry");
}

async fn maintenance_deletes_only_dead_letters_older_than_the_cutoff(app: TestApp) {
    let ctx = &app.ctx;
    let now = ctx.clock.now();
    let old = job("test.stale", now - Days::days(8));
    let recent = job("test.recent", now - Days::days(6));
    for j in [&old, &recent] {
        dead_letter(&app, &serde_json::to_string(j).unwrap()).await;
        let failure = Failure {
            job_id: j.id.as_str(),
            job_type: &j.job_type,
            queue: Some(QUEUE),
            message_id: "m",
            error: "it broke",
            attempt: 3,
            payload: &j.payload,
            dead: true,
            at: j.dispatched_at,
        };
        ctx.stores.failed_jobs.record(&failure).await.unwrap();
    }
    // Not a job: aged by when SQS received it, which is now.
    dead_letter(&app, "not a job").await;

    let report = maintenance(ctx, 7).await.unwrap();
    let notifications = report.queues.iter().find(|q| q.queue == QUEUE).unwrap();
    assert_eq!(notifications.deleted.len(), 1, "{report:?}");
    let deleted = &notifications.deleted[0];
    assert_eq!(
        (deleted.job_id.as_deref(), deleted.job_type.as_deref(), deleted.age_days),
        (Some(old.id.as_str()), Some("test.stale"), 8)
    );
    assert_eq!(notifications.kept, 2);
    assert_eq!(report.deleted(), 1, "the other queues had nothing");
    assert!(ctx.stores.failed_jobs.get(old.id.as_str()).await.unwrap().is_none(), "its record went with it");
    assert!(ctx.stores.failed_jobs.get(recent.id.as_str()).await.unwrap().is_some());

    // The kept ones are visible again at once, for a retry or the next run.
    assert_eq!(ctx.queue.attributes(DEAD).await.unwrap().visible, 2);
    assert_eq!(
        ctx.stores.queue_runs.recent::<shared::services::queues::MaintenanceReport>(5).await.unwrap(),
        vec![report]
    );
}
