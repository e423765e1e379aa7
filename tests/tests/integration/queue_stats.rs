//! Queue stats, the overview endpoint and worker autoscaling on both backends (in memory, and SQS, Redis,
//! DynamoDB and Lambda's event source mappings on the emulators): the numbers are what the test put on the
//! queues and what the worker ran, and every autoscale decision is applied and archived.

use integration_tests::api::{Call, Caller};
use integration_tests::{Backend, TestApp, lambda_worker_pool};
use shared::domain::{Job, JobId, Priority};
use shared::ports::QueueRef;
use shared::routes;
use shared::services::alerts::ALERT_JOB;
use shared::services::queues::{autoscale_workers, queue_overview, queue_stats, retry_failed};
use shared::worker::{MessageOutcome, dispatch, poll_once};
use std::sync::Arc;
use std::time::Duration;

integration_tests::on_both_backends!(
    stats_match_what_is_on_the_queues,
    the_worker_metrics_show_in_the_stats,
    the_overview_shows_health_scaling_and_failed_jobs,
    autoscale_applies_each_change_and_archives_the_run,
    a_requeued_dead_letter_waits_from_its_requeue,
);

fn job_body(app: &TestApp, job_type: &str) -> String {
    let job = Job {
        id: JobId::generate(),
        job_type: job_type.into(),
        payload: serde_json::json!({}),
        dispatched_at: app.ctx.clock.now(),
        requeued_at: None,
    };
    serde_json::to_string(&job).unwrap()
}

fn long_poll(app: &TestApp) -> Duration {
    if app.backend == Backend::Aws { Duration::from_secs(1) } else { Duration::ZERO }
}

async fn send(app: &TestApp, queue: QueueRef, n: usize, delay: Option<Duration>) {
    for _ in 0..n {
        app.ctx.queue.send(queue, &job_body(app, "test.waiting"), delay).await.unwrap();
    }
}

async fn stats_match_what_is_on_the_queues(app: TestApp) {
    let default = QueueRef::Main(Priority::Default);
    send(&app, default, 3, None).await;
    send(&app, default, 1, Some(Duration::from_secs(120))).await;
    send(&app, QueueRef::DeadLetter(Priority::Default), 2, None).await;
    let taken = app.ctx.queue.receive(default, 1, long_poll(&app), Duration::from_secs(120)).await.unwrap();
    assert_eq!(taken.len(), 1);

    let stats = queue_stats(&app.ctx).await.unwrap();
    let queue = stats.queues.iter().find(|q| q.queue == Priority::Default).unwrap();
    assert_eq!(
        (queue.visible, queue.in_flight, queue.delayed, queue.dead_letters),
        (2, 1, 1, 2),
        "ready, received, delayed, dead: {queue:?}"
    );
    assert_eq!(queue.max_concurrency, Some(5), "the worker pool's limit");
    let others = stats.queues.iter().filter(|q| q.queue != Priority::Default);
    assert!(others.clone().all(|q| q.visible + q.in_flight + q.delayed + q.dead_letters == 0), "{stats:?}");
    assert_eq!(others.count(), 4);
    let metrics = queue.metrics.as_ref().expect("the cache answered");
    assert_eq!((metrics.jobs_past_hour, metrics.average_runtime_ms), (0, None), "nothing ran yet");
    assert_eq!(queue.wait_seconds, None, "no runtime known: no wait claimed");
}

async fn the_worker_metrics_show_in_the_stats(app: TestApp) {
    let ctx = &app.ctx;
    let registry = shared::worker::standard_registry();
    let queue = QueueRef::Main(Priority::Notifications);
    for key in ["a", "b"] {
        let alert = serde_json::json!({
            "id": shared::domain::AlertId::generate(), "severity": "warning", "source": "test", "dedup_key": key,
            "message": "m", "details": {}, "raised_at": ctx.clock.now(),
        });
        dispatch(&*ctx.queue, &*ctx.clock, ALERT_JOB, &alert, Priority::Notifications).await.unwrap();
    }
    // A job of a type nobody runs, on its last delivery: it fails for good.
    ctx.queue.send(queue, &job_body(&app, "test.unknown"), None).await.unwrap();
    app.pass(Duration::from_secs(3)).await;
    let visibility = Duration::from_secs(1);
    let mut outcomes = Vec::new();
    // The two alerts hand each change on to its channels: the admins' event, the dashboard's notification and the
    // e-mail line (six more jobs on this queue).
    while outcomes.len() < 9 {
        let report = poll_once(ctx, &registry, queue, long_poll(&app), visibility).await.unwrap();
        assert!(!report.outcomes.is_empty(), "the nine jobs are there");
        outcomes.extend(report.outcomes.into_iter().map(|(_, o)| o));
    }
    assert_eq!(outcomes.iter().filter(|o| **o == MessageOutcome::Done).count(), 8, "{outcomes:?}");
    // The failed attempt above was its first; deliver it twice more so the last attempt fails.
    for _ in 0..2 {
        app.pass(Duration::from_millis(1100)).await;
        let report = poll_once(ctx, &registry, queue, long_poll(&app), visibility).await.unwrap();
        assert_eq!(report.outcomes.len(), 1, "the unknown job again");
    }

    let stats = queue_stats(ctx).await.unwrap();
    let notifications = stats.queues.iter().find(|q| q.queue == Priority::Notifications).unwrap();
    let metrics = notifications.metrics.as_ref().expect("metrics");
    assert_eq!(metrics.jobs_past_hour, 11, "2 alerts, their 6 channels' jobs and 3 attempts of the unknown job");
    assert_eq!(metrics.failed_past_7_days, 1, "one job failed its last attempt");
    assert_eq!(metrics.failed_past_hour, 1, "within the hour");
    assert!(metrics.average_runtime_ms.is_some());
    assert!(metrics.longest_wait_seconds.is_some_and(|w| w >= 3.0), "dispatched 3 s before it ran: {metrics:?}");
    let alerts = stats.job_types.iter().find(|t| t.job_type == ALERT_JOB).expect("every registered type is listed");
    assert_eq!(alerts.jobs_past_hour, 2);
    assert!(alerts.max_runtime_ms.unwrap() >= alerts.average_runtime_ms.unwrap());
    assert!(stats.job_types.iter().all(|t| t.job_type != "test.unknown"), "only the types the worker knows");
}

async fn the_overview_shows_health_scaling_and_failed_jobs(app: TestApp) {
    send(&app, QueueRef::Main(Priority::High), 101, None).await;
    let failure = shared::store::Failure {
        job_id: "dead-1",
        job_type: "order.provision",
        queue: Some(Priority::High),
        message_id: "m",
        error: "panel refused",
        attempt: 3,
        payload: &serde_json::json!({}),
        dead: true,
        at: app.ctx.clock.now(),
    };
    app.ctx.stores.failed_jobs.record(&failure).await.unwrap();

    let reply = Call::to(&routes::QUEUE_OVERVIEW, &[]).by(&Caller::Admin("ops".into())).send(&app).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let data = &reply.body["data"];
    assert_eq!(data["stats"]["queues"][0]["queue"], "high");
    assert_eq!(data["stats"]["queues"][0]["visible"], 101);
    assert_eq!(data["health"]["status"], "warning", "high above 100: {}", data["health"]);
    assert!(data["health"]["queues"][0]["findings"][0]["recommendation"].as_str().unwrap().contains("high"));
    let high_scaling = data["scaling"].as_array().unwrap().iter().find(|d| d["inputs"]["queue"] == "high").unwrap();
    assert_eq!(high_scaling["desired"], 11, "101 ready / 10 per batch, stepped down from 20 by 10 at most");
    assert_eq!(data["recent_failed_jobs"][0]["error"], "panel refused");

    let customer = Call::to(&routes::QUEUE_OVERVIEW, &[]).by(&Caller::customer(&1)).send(&app).await;
    assert_eq!(customer.status, 403);
}

async fn autoscale_applies_each_change_and_archives_the_run(mut app: TestApp) {
    if app.backend == Backend::Aws {
        app.ctx.workers = Arc::new(lambda_worker_pool(5).await);
    }
    send(&app, QueueRef::Main(Priority::Default), 60, None).await;

    let run = autoscale_workers(&app.ctx).await.unwrap();
    let decision = |queue| run.decisions.iter().find(|d| d.decision.inputs.queue == queue).unwrap();
    let default = decision(Priority::Default);
    assert_eq!((default.decision.inputs.pending, default.decision.inputs.current), (60, 5));
    assert_eq!((default.decision.desired, default.applied), (6, true), "60 jobs, 10 per worker batch");
    assert_eq!(app.ctx.workers.max_concurrency(Priority::Default).await.unwrap(), Some(6));
    let low = decision(Priority::Low);
    assert_eq!((low.decision.desired, low.applied), (2, true), "idle: down to the minimum");
    assert!(run.skipped.is_empty());
    assert_eq!(
        app.ctx.stores.queue_runs.recent_autoscale::<shared::services::queues::AutoscaleRun>(5).await.unwrap(),
        std::slice::from_ref(&run),
        "archived as run"
    );

    app.clock.advance(chrono::Duration::minutes(5));
    let again = autoscale_workers(&app.ctx).await.unwrap();
    let default = again.decisions.iter().find(|d| d.decision.inputs.queue == Priority::Default).unwrap();
    assert_eq!((default.decision.desired, default.applied), (6, false), "already right: nothing applied");
    assert_eq!(
        app.ctx.stores.queue_runs.recent_autoscale::<shared::services::queues::AutoscaleRun>(5).await.unwrap(),
        [again.clone(), run],
        "newest first"
    );
    let overview = queue_overview(&app.ctx).await.unwrap();
    assert_eq!(overview.recent_autoscale_runs.first(), Some(&again), "the overview shows why limits moved");
}

async fn a_requeued_dead_letter_waits_from_its_requeue(app: TestApp) {
    let ctx = &app.ctx;
    let queue = Priority::Notifications;
    let alert = serde_json::json!({
        "id": shared::domain::AlertId::generate(), "severity": "warning", "source": "test", "dedup_key": "old",
        "message": "m", "details": {}, "raised_at": ctx.clock.now(),
    });
    let job = Job {
        id: JobId::generate(),
        job_type: ALERT_JOB.into(),
        payload: alert,
        dispatched_at: ctx.clock.now() - chrono::Duration::days(2),
        requeued_at: None,
    };
    ctx.queue.send(QueueRef::DeadLetter(queue), &serde_json::to_string(&job).unwrap(), None).await.unwrap();
    assert_eq!(retry_failed(ctx, queue, 10).await.unwrap().requeued, 1);
    let registry = shared::worker::standard_registry();
    let report =
        poll_once(ctx, &registry, QueueRef::Main(queue), long_poll(&app), Duration::from_secs(30)).await.unwrap();
    assert_eq!(report.outcomes.len(), 1);
    let stats = queue_stats(ctx).await.unwrap();
    let metrics = stats.queues.iter().find(|q| q.queue == queue).unwrap().metrics.clone().unwrap();
    let wait = metrics.longest_wait_seconds.expect("a wait was measured");
    assert!(wait < 60.0, "measured from the requeue, not the dispatch two days ago: {wait} s");
}

/// A worker pool whose limits cannot be read (throttled, or denied).
struct UnreadableWorkers;

#[async_trait::async_trait]
impl shared::ports::WorkerPool for UnreadableWorkers {
    async fn max_concurrency(&self, _: Priority) -> shared::error::PortResult<Option<u32>> {
        Err(shared::error::PortError::unavailable(shared::error::Backend::Workers, "throttled"))
    }
    async fn set_max_concurrency(&self, _: Priority, _: u32) -> shared::error::PortResult<()> {
        Err(shared::error::PortError::unavailable(shared::error::Backend::Workers, "throttled"))
    }
}

#[tokio::test]
async fn unreadable_worker_limits_leave_the_rest_of_the_view_and_nothing_is_scaled() {
    let mut app = TestApp::new(Backend::Memory).await;
    app.ctx.workers = Arc::new(UnreadableWorkers);
    send(&app, QueueRef::Main(Priority::Low), 3, None).await;
    let overview = queue_overview(&app.ctx).await.unwrap();
    let low = overview.stats.queues.iter().find(|q| q.queue == Priority::Low).unwrap();
    assert_eq!((low.visible, low.max_concurrency), (3, None));
    assert!(low.max_concurrency_error.as_deref().is_some_and(|e| e.contains("throttled")), "unknown, and why");
    assert!(overview.scaling.is_empty(), "no limit known, no recommendation");
    let run = autoscale_workers(&app.ctx).await.unwrap();
    assert!(run.decisions.is_empty());
    assert!(run.skipped.is_empty(), "not skipped as if there were no mapping");
    let unreadable: Vec<Priority> = run.unreadable.iter().map(|(queue, _)| *queue).collect();
    assert_eq!(unreadable, Priority::ALL, "every queue is reported unreadable");
}
