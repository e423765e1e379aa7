//! The job-queue port's behaviour on both adapters: in-memory and SQS (moto).

use integration_tests::{Backend, TestApp};
use shared::domain::Priority;
use shared::ports::JobQueue;
use shared::ports::queue::{MAX_RECEIVE_COUNT, QueueRef};
use std::time::Duration;

const HIGH: QueueRef = QueueRef::Main(Priority::High);
const HIGH_DLQ: QueueRef = QueueRef::DeadLetter(Priority::High);
const VISIBILITY: Duration = Duration::from_secs(1);
const NO_WAIT: Duration = Duration::ZERO;

integration_tests::on_both_backends!(
    sent_messages_are_received_and_deleted,
    an_unacknowledged_message_comes_back_after_its_visibility_timeout,
    a_message_received_too_often_moves_to_the_dead_letter_queue,
    released_messages_are_visible_again_and_attributes_count_them,
    a_long_poll_returns_as_soon_as_a_message_arrives,
);

async fn sent_messages_are_received_and_deleted(app: TestApp) {
    let q = &app.ctx.queue;
    let id = q.send(HIGH, "one", None).await.unwrap();
    assert!(!id.is_empty());
    let got = q.receive(HIGH, 10, NO_WAIT, VISIBILITY).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!((got[0].body.as_str(), got[0].receive_count, got[0].message_id.as_str()), ("one", 1, id.as_str()));
    q.delete(HIGH, &got[0].receipt_handle).await.unwrap();
    app.pass(VISIBILITY + Duration::from_millis(200)).await;
    assert!(q.receive(HIGH, 10, NO_WAIT, VISIBILITY).await.unwrap().is_empty(), "deleted for good");
    let other = q.receive(QueueRef::Main(Priority::Low), 10, NO_WAIT, VISIBILITY).await.unwrap();
    assert!(other.is_empty(), "queues are separate");
}

async fn an_unacknowledged_message_comes_back_after_its_visibility_timeout(app: TestApp) {
    let q = &app.ctx.queue;
    q.send(HIGH, "job", None).await.unwrap();
    assert_eq!(q.receive(HIGH, 1, NO_WAIT, VISIBILITY).await.unwrap().len(), 1);
    assert!(q.receive(HIGH, 1, NO_WAIT, VISIBILITY).await.unwrap().is_empty(), "invisible while in flight");
    app.pass(VISIBILITY + Duration::from_millis(200)).await;
    let again = q.receive(HIGH, 1, NO_WAIT, VISIBILITY).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].receive_count, 2);
}

async fn a_message_received_too_often_moves_to_the_dead_letter_queue(app: TestApp) {
    let q = &app.ctx.queue;
    q.send(HIGH, "poison", None).await.unwrap();
    for attempt in 1..=MAX_RECEIVE_COUNT {
        let got = receive_eventually(&app, HIGH).await;
        assert_eq!(got.len(), 1, "receive {attempt}");
        assert_eq!(got[0].receive_count, attempt);
        app.pass(VISIBILITY + Duration::from_millis(200)).await;
    }
    assert!(q.receive(HIGH, 10, NO_WAIT, VISIBILITY).await.unwrap().is_empty(), "not delivered a fourth time");
    let dead = receive_eventually(&app, HIGH_DLQ).await;
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].body, "poison");
}

async fn released_messages_are_visible_again_and_attributes_count_them(app: TestApp) {
    let q = &app.ctx.queue;
    for body in ["a", "b", "c"] {
        q.send(HIGH, body, None).await.unwrap();
    }
    q.send(HIGH, "later", Some(Duration::from_secs(60))).await.unwrap();
    let got = q.receive(HIGH, 2, NO_WAIT, Duration::from_secs(30)).await.unwrap();
    assert_eq!(got.len(), 2);
    let attributes = q.attributes(HIGH).await.unwrap();
    assert_eq!((attributes.visible, attributes.in_flight, attributes.delayed), (1, 2, 1));
    q.release(HIGH, &got[0].receipt_handle, Duration::ZERO).await.unwrap();
    let attributes = q.attributes(HIGH).await.unwrap();
    assert_eq!((attributes.visible, attributes.in_flight), (2, 1));
}

async fn a_long_poll_returns_as_soon_as_a_message_arrives(app: TestApp) {
    let q = app.ctx.queue.clone();
    let sender = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        q.send(HIGH, "late", None).await.unwrap();
    });
    let started = std::time::Instant::now();
    // The longest poll SQS allows, against an arrival after 0.3 s: even a slow machine answers far before half of it.
    let got = app.ctx.queue.receive(HIGH, 10, Duration::from_secs(20), VISIBILITY).await.unwrap();
    sender.await.unwrap();
    assert_eq!(got.len(), 1);
    assert!(started.elapsed() < Duration::from_secs(10), "returned on arrival, after {:?}", started.elapsed());
}

/// SQS may answer a short poll without a message that is there; poll briefly until it shows.
async fn receive_eventually(app: &TestApp, queue: QueueRef) -> Vec<shared::ports::ReceivedMessage> {
    let wait = if app.backend == Backend::Aws { Duration::from_secs(2) } else { NO_WAIT };
    app.ctx.queue.receive(queue, 10, wait, VISIBILITY).await.unwrap()
}

/// The queue adapter's production time limit, on its own (the emulator's queues get a longer one): an SQS
/// endpoint that accepts connections and never answers fails a send as a queue timeout, after the 3 s default.
#[tokio::test]
async fn a_queue_that_never_answers_times_out_at_the_production_limit() {
    let (endpoint, silent) = integration_tests::silent_endpoint().await;
    let sdk = integration_tests::sdk_config_at(&endpoint).await;
    let urls = shared::adapters::aws::QueueUrls(
        shared::ports::QueueRef::all()
            .map(|queue| (queue, format!("{endpoint}/000000000000/{}", queue.name())))
            .collect(),
    );
    let queue = shared::adapters::aws::SqsQueue::new(aws_sdk_sqs::Client::new(&sdk), urls);
    let started = std::time::Instant::now();
    let error = queue.send(HIGH, "{}", None).await.unwrap_err();
    assert!(
        matches!(
            error,
            shared::error::PortError::Timeout { backend: shared::error::Backend::Queue, operation: "send" }
        ),
        "{error:?}"
    );
    // Not before the 3 s limit, and not at some longer one (a timer firing 10 s late is not load, it is a bug).
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_secs(3) && elapsed < Duration::from_secs(13), "the 3 s limit, after {elapsed:?}");
    silent.abort();
}
