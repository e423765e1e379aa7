//! The connections port on both adapters: `MemoryConnections` directly, and `ApiGatewayConnections` — the SDK's
//! `PostToConnection` and `DeleteConnection` — against the local gateway's management API over HTTP, which
//! answers as API Gateway does (410 `GoneException`, 413 `PayloadTooLargeException`). Then the AWS adapter
//! against an endpoint that never answers: its time limit, not a hang.

use integration_tests::{sdk_config_at, silent_endpoint};
use shared::adapters::aws::ApiGatewayConnections;
use shared::adapters::memory::{MemoryConnections, Outbound};
use shared::app::AppContext;
use shared::clock::SystemClock;
use shared::error::PortError;
use shared::ports::{ConnectionPoster, PostError};
use std::sync::Arc;
use std::time::Duration;

/// The same cases on any adapter whose posts reach `sockets`.
async fn behaves_as_the_management_api(poster: &dyn ConnectionPoster, sockets: &MemoryConnections) {
    // API Gateway's ids end in `=`, which the SDK percent-encodes in the path.
    let id = "L0SM9cOFvHcCIhw=";
    let mut socket = sockets.open(id);
    let frame = r#"{"event":"pusher:pong","data":"{\"é\":\"✓\"}"}"#;
    poster.post(id, frame).await.expect("posted to an open connection");
    assert_eq!(socket.recv().await, Some(Outbound::Frame(frame.to_owned())), "the frame, byte for byte");

    let never_opened = poster.post("Never0000000000=", frame).await;
    assert!(matches!(never_opened, Err(PostError::Gone)), "{never_opened:?}");

    let too_large = "x".repeat(shared::adapters::memory::MAX_FRAME_BYTES + 1);
    let refused = poster.post(id, &too_large).await;
    assert!(matches!(refused, Err(PostError::Port(PortError::Invalid { .. }))), "{refused:?}");

    poster.close(id).await.expect("closed");
    assert_eq!(socket.recv().await, Some(Outbound::Close));
    sockets.closed(id); // what the gateway does on closing it
    assert!(matches!(poster.post(id, frame).await, Err(PostError::Gone)), "gone once closed");
    poster.close(id).await.expect("closing a gone connection is not an error");

    // The client went away without a word: its socket's receiver is dropped.
    let other = "Other000000000A=";
    drop(sockets.open(other));
    assert!(matches!(poster.post(other, frame).await, Err(PostError::Gone)));
}

#[tokio::test]
async fn memory_connections_behave_as_the_management_api() {
    let sockets = MemoryConnections::new();
    behaves_as_the_management_api(&sockets, &sockets).await;
}

#[tokio::test]
async fn the_api_gateway_adapter_behaves_the_same_against_the_local_management_api() {
    let sockets = Arc::new(MemoryConnections::new());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let ctx = Arc::new(AppContext::in_memory(Arc::new(SystemClock)));
    tokio::spawn(local_server::serve_http(listener, ctx, Arc::new("unused".into()), sockets.clone()));
    let poster = ApiGatewayConnections::new(&sdk_config_at(&endpoint).await, &endpoint);
    behaves_as_the_management_api(&poster, &sockets).await;
}

#[tokio::test]
async fn a_management_api_that_never_answers_is_a_timeout_not_a_hang() {
    let (endpoint, _server) = silent_endpoint().await;
    let poster = ApiGatewayConnections::new(&sdk_config_at(&endpoint).await, &endpoint);
    let started = std::time::Instant::now();
    let outcome = poster.post("L0SM9cOFvHcCIhw=", "{}").await;
    assert!(matches!(outcome, Err(PostError::Port(PortError::Timeout { .. }))), "{outcome:?}");
    assert!(started.elapsed() < Duration::from_secs(10), "within the adapter's limit");
}
