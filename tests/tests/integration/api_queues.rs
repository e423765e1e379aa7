//! The queue endpoints through their handlers, on both backends: the failed-job list (filters, pages, a forged
//! cursor), deleting one record, and retrying dead letters, with every invalid input a 422 on its field.

use integration_tests::TestApp;
use integration_tests::api::{Call, Caller};
use serde_json::json;
use shared::domain::{Job, JobId, Priority};
use shared::ports::QueueRef;
use shared::routes;
use shared::store::Failure;

integration_tests::on_both_backends!(
    failed_jobs_are_listed_by_queue_and_type_a_page_at_a_time,
    a_failed_job_record_is_deleted_once,
    retry_validates_its_body_and_moves_dead_letters_back,
);

fn admin() -> Caller {
    Caller::Admin("ops-admin".into())
}

async fn failed(app: &TestApp, id: &str, job_type: &str, queue: Priority, minutes_ago: i64) {
    let failure = Failure {
        job_id: id,
        job_type,
        queue: Some(queue),
        message_id: "m",
        error: "boom",
        attempt: 3,
        payload: &json!({}),
        dead: true,
        at: app.ctx.clock.now() - chrono::Duration::minutes(minutes_ago),
    };
    app.ctx.stores.failed_jobs.record(&failure).await.unwrap();
}

fn ids(reply: &integration_tests::api::Reply) -> Vec<String> {
    reply.body["data"]["failed_jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["job_id"].as_str().unwrap().to_owned())
        .collect()
}

async fn failed_jobs_are_listed_by_queue_and_type_a_page_at_a_time(app: TestApp) {
    failed(&app, "a", "order.provision", Priority::High, 3).await;
    failed(&app, "b", "event.publish", Priority::Notifications, 2).await;
    failed(&app, "c", "order.provision", Priority::High, 1).await;
    let list = |query: &str| Call::to(&routes::QUEUE_FAILED_LIST, &[]).by(&admin()).query(query);

    let all = list("").send(&app).await;
    assert_eq!(all.status, 200, "{}", all.body);
    assert_eq!(ids(&all), ["c", "b", "a"], "newest first");
    assert_eq!(all.body["data"]["failed_jobs"][0]["error"], "boom");
    assert_eq!(ids(&list("queue=high").send(&app).await), ["c", "a"]);
    assert_eq!(ids(&list("type=event.publish").send(&app).await), ["b"]);

    let first = list("queue=high&limit=1").send(&app).await;
    assert_eq!(ids(&first), ["c"]);
    let cursor = first.body["data"]["next_cursor"].as_str().unwrap().to_owned();
    assert_eq!(ids(&list(&format!("queue=high&limit=1&cursor={cursor}")).send(&app).await), ["a"]);
    let forged = list(&format!("queue=notifications&cursor={cursor}")).send(&app).await;
    assert_eq!(forged.status, 422, "a cursor of another list: {}", forged.body);
    assert!(!forged.field_errors("cursor").is_empty());

    for (query, field) in [("queue=urgent", "queue"), ("queue=high&type=x", "type"), ("limit=0", "limit")] {
        let reply = list(query).send(&app).await;
        assert_eq!(reply.status, 422, "{query}");
        assert!(!reply.field_errors(field).is_empty(), "{query}: {}", reply.body);
    }
}

async fn a_failed_job_record_is_deleted_once(app: TestApp) {
    failed(&app, "gone-soon", "order.provision", Priority::High, 1).await;
    let delete = || Call::to(&routes::QUEUE_FAILED_DELETE, &["gone-soon"]).by(&admin());
    let reply = delete().send(&app).await;
    assert_eq!((reply.status, reply.body["data"]["deleted"].as_str()), (200, Some("gone-soon")));
    assert_eq!(delete().send(&app).await.status, 404);
    assert!(app.ctx.stores.failed_jobs.get("gone-soon").await.unwrap().is_none());
}

async fn retry_validates_its_body_and_moves_dead_letters_back(app: TestApp) {
    let retry = |body: serde_json::Value| Call::to(&routes::QUEUE_RETRY, &[]).by(&admin()).json(body);
    for (body, field) in [
        (json!({}), "queue"),
        (json!({"queue": "urgent"}), "queue"),
        (json!({"queue": "high", "limit": 0}), "limit"),
        (json!({"queue": "high", "limit": 101}), "limit"),
        (json!({"queue": "high", "extra": 1}), "extra"),
    ] {
        let reply = retry(body.clone()).send(&app).await;
        assert_eq!(reply.status, 422, "{body}");
        assert!(!reply.field_errors(field).is_empty(), "{body}: {}", reply.body);
    }
    for _ in 0..3 {
        let job = Job {
            id: JobId::generate(),
            job_type: "event.publish".into(),
            payload: json!({}),
            dispatched_at: app.ctx.clock.now(),
            requeued_at: None,
        };
        app.ctx
            .queue
            .send(QueueRef::DeadLetter(Priority::Low), &serde_json::to_string(&job).unwrap(), None)
            .await
            .unwrap();
    }
    let reply = retry(json!({"queue": "low", "limit": 2})).send(&app).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["data"]["requeued"], 2);
    let results = reply.body["data"]["results"].as_array().unwrap();
    assert!(results.iter().all(|r| r["outcome"] == "requeued" && r["job_type"] == "event.publish"), "{results:?}");
    assert_eq!(app.ctx.queue.attributes(QueueRef::Main(Priority::Low)).await.unwrap().visible, 2);
    assert_eq!(app.ctx.queue.attributes(QueueRef::DeadLetter(Priority::Low)).await.unwrap().visible, 1);
}
