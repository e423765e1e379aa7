//! The SDK configuration a Lambda function builds from its environment (`adapters::aws::lambda_sdk_config`):
//! it signs with the execution role's temporary credentials (session token included) or with long-term keys,
//! and reaches the emulator through `AWS_ENDPOINT_URL`.

use shared::adapters::aws::lambda_sdk_config;
use std::collections::HashMap;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn lambda_environment(endpoint: &str, session_token: Option<&str>) -> Vec<(String, String)> {
    let mut variables: HashMap<&str, String> = HashMap::from([
        ("AWS_LAMBDA_FUNCTION_NAME", "orders-create".to_owned()),
        ("AWS_REGION", "eu-west-1".to_owned()),
        ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "secret".to_owned()),
        ("AWS_ENDPOINT_URL", endpoint.to_owned()),
    ]);
    if let Some(token) = session_token {
        variables.insert("AWS_SESSION_TOKEN", token.to_owned());
    }
    variables.into_iter().map(|(name, value)| (name.to_owned(), value)).collect()
}

/// One DynamoDB request's head, as it arrived at a listener that answers `ListTables` with an empty list.
async fn request_head_of_list_tables(session_token: Option<&str>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a loopback port");
    let endpoint = format!("http://{}", listener.local_addr().expect("its address"));
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.expect("the client connects");
        let mut received = Vec::new();
        let mut buffer = [0u8; 4096];
        while !received.windows(4).any(|w| w == b"\r\n\r\n") {
            let read = socket.read(&mut buffer).await.expect("read the request");
            assert!(read > 0, "the connection closed before the request's head ended");
            received.extend_from_slice(&buffer[..read]);
        }
        let body = r#"{"TableNames":[]}"#;
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.0\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        socket.write_all(response.as_bytes()).await.expect("answer");
        String::from_utf8_lossy(&received).to_lowercase()
    });
    let config = lambda_sdk_config(lambda_environment(&endpoint, session_token)).expect("a Lambda environment");
    let tables = aws_sdk_dynamodb::Client::new(&config).list_tables().send().await.expect("ListTables answered");
    assert_eq!(tables.table_names(), &[] as &[String]);
    server.await.expect("the listener saw the request")
}

#[tokio::test]
async fn temporary_credentials_sign_with_their_session_token_and_long_term_keys_without_one() {
    let temporary = request_head_of_list_tables(Some("the-session-token")).await;
    assert!(temporary.contains("credential=akidexample/"), "signed with the key: {temporary}");
    assert!(temporary.contains("x-amz-security-token: the-session-token"), "{temporary}");
    let long_term = request_head_of_list_tables(None).await;
    assert!(long_term.contains("credential=akidexample/"), "signed with the key: {long_term}");
    assert!(!long_term.contains("x-amz-security-token"), "{long_term}");
}

#[tokio::test]
async fn a_lambda_configuration_reaches_the_emulator_with_either_credential_shape() {
    let endpoint = integration_tests::aws_endpoint();
    for token in [Some("session"), None] {
        let config = lambda_sdk_config(lambda_environment(&endpoint, token)).expect("a Lambda environment");
        let dynamo = aws_sdk_dynamodb::Client::new(&config);
        dynamo.list_tables().limit(1).send().await.unwrap_or_else(|e| panic!("DynamoDB with {token:?}: {e:?}"));
        let sqs = aws_sdk_sqs::Client::new(&config);
        sqs.list_queues().max_results(1).send().await.unwrap_or_else(|e| panic!("SQS with {token:?}: {e:?}"));
    }
}
