//! A DynamoDB that throttles: `BatchGetItem` answering every key unprocessed. The adapter asks again for them
//! after growing, jittered pauses, a bounded number of times, then answers "unavailable" — no hot loop, no
//! endless one.

use integration_tests::{manual_clock, sdk_config_at};
use shared::adapters::aws::DynamoTable;
use shared::error::PortError;
use shared::ports::{Key, Table};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A loopback endpoint answering every request with `body` (a DynamoDB JSON answer); counts the requests.
async fn always_answering(body: &'static str) -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a loopback port");
    let endpoint = format!("http://{}", listener.local_addr().expect("its address"));
    let requests = Arc::new(AtomicUsize::new(0));
    let counted = requests.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let counted = counted.clone();
            tokio::spawn(async move {
                let mut buffer = Vec::new();
                let mut chunk = [0u8; 8192];
                loop {
                    // One request: its head, then as many body bytes as it says.
                    let head_end = loop {
                        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                            break end + 4;
                        }
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                        }
                    };
                    let head = String::from_utf8_lossy(&buffer[..head_end]).to_lowercase();
                    let length: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    while buffer.len() < head_end + length {
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                        }
                    }
                    buffer.drain(..head_end + length);
                    counted.fetch_add(1, Ordering::SeqCst);
                    let response = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.0\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if socket.write_all(response.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (endpoint, requests)
}

#[tokio::test]
async fn unprocessed_keys_are_asked_again_with_pauses_and_a_bound() {
    let throttled = r#"{"Responses":{"t":[]},"UnprocessedKeys":{"t":{"Keys":[{"pk":{"S":"p"},"sk":{"S":"s"}}],"ConsistentRead":true}}}"#;
    let (endpoint, requests) = always_answering(throttled).await;
    let sdk = sdk_config_at(&endpoint).await;
    let table = DynamoTable::new(aws_sdk_dynamodb::Client::new(&sdk), "t", manual_clock());
    let started = Instant::now();
    let answer = table.get_many(&[Key::new("p", "s")]).await;
    let took = started.elapsed();
    match answer {
        Err(PortError::Unavailable { detail, .. }) => assert!(detail.contains("unprocessed"), "{detail}"),
        other => panic!("expected unavailable, got {other:?}"),
    }
    assert_eq!(requests.load(Ordering::SeqCst), 6, "the first read and five more, then it gives up");
    assert!(took < Duration::from_secs(5), "bounded: {took:?}");
}
