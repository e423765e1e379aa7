//! The connections port on API Gateway's management API: `PostToConnection` and `DeleteConnection` at the
//! WebSocket API's own endpoint, stage included (`https://{api}.execute-api.{region}.amazonaws.com/{stage}`:
//! without the stage every call is refused with a 403), each under a time limit. The SDK retries a throttled
//! call (`LimitExceededException`) itself, bounded and with backoff (its standard mode); what is still throttled
//! after that is the caller's to back off from.

use async_trait::async_trait;
use aws_sdk_apigatewaymanagement::Client;
use aws_sdk_apigatewaymanagement::error::ProvideErrorMetadata;
use aws_sdk_apigatewaymanagement::primitives::Blob;
use proxy_core::error::{Backend, PortError, describe};
use proxy_core::ports::connections::{ConnectionPoster, PostError};
use std::time::Duration;

#[derive(Clone)]
pub struct ApiGatewayConnections {
    client: Client,
    timeout: Duration,
}

impl ApiGatewayConnections {
    /// A client of the management API at `endpoint` (no network call until the first post).
    pub fn new(sdk: &aws_config::SdkConfig, endpoint: &str) -> Self {
        let config = aws_sdk_apigatewaymanagement::config::Builder::from(sdk).endpoint_url(endpoint).build();
        Self { client: Client::from_conf(config), timeout: Duration::from_secs(3) }
    }
}

/// The management API's answer as the port's: 410 is a gone connection, a throttle left after the SDK's
/// retries is `Throttled`, anything else is the backend's failure.
fn post_error<E: ProvideErrorMetadata + std::error::Error + 'static>(
    error: aws_sdk_apigatewaymanagement::error::SdkError<E>,
) -> PostError {
    match error.code() {
        Some("GoneException") => PostError::Gone,
        Some("LimitExceededException") => PostError::Throttled,
        Some("PayloadTooLargeException") => {
            PostError::Port(PortError::Invalid { backend: Backend::Connections, detail: describe(&error) })
        }
        _ => PostError::Port(PortError::unavailable(Backend::Connections, describe(&error))),
    }
}

async fn timed<T>(
    operation: &'static str,
    limit: Duration,
    call: impl std::future::Future<Output = Result<T, PostError>>,
) -> Result<T, PostError> {
    match tokio::time::timeout(limit, call).await {
        Ok(result) => result,
        Err(_) => Err(PostError::Port(PortError::Timeout { backend: Backend::Connections, operation })),
    }
}

#[async_trait]
impl ConnectionPoster for ApiGatewayConnections {
    async fn post(&self, connection_id: &str, frame: &str) -> Result<(), PostError> {
        let call = async {
            self.client
                .post_to_connection()
                .connection_id(connection_id)
                .data(Blob::new(frame.as_bytes()))
                .send()
                .await
                .map(|_| ())
                .map_err(post_error)
        };
        timed("post_to_connection", self.timeout, call).await
    }

    async fn close(&self, connection_id: &str) -> Result<(), PostError> {
        let call = async {
            match self.client.delete_connection().connection_id(connection_id).send().await.map_err(post_error) {
                Ok(_) | Err(PostError::Gone) => Ok(()),
                Err(other) => Err(other),
            }
        };
        timed("delete_connection", self.timeout, call).await
    }
}
