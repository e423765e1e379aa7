//! HTTP plumbing shared by every endpoint: identity from the API Gateway JWT authorizer, the one response
//! envelope, and `respond`, which every handler goes through.

pub mod apigw;
mod auth;
mod envelope;

pub use auth::{Identity, Role, parse_array_claim};
pub use envelope::{ApiError, FieldErrors, json_response};

use lambda_http::{Body, Request, RequestExt, Response};
use std::future::Future;
use std::time::Instant;

/// The request id API Gateway assigned (also in its access logs), or a fresh one when there is none.
pub fn request_id(request: &Request) -> String {
    match request.request_context_ref() {
        Some(lambda_http::request::RequestContext::ApiGatewayV2(ctx)) => ctx.request_id.clone(),
        _ => None,
    }
    .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

/// Requests slower than this are logged as warnings (the original's 2 s slow-request rule).
const SLOW_REQUEST: std::time::Duration = std::time::Duration::from_secs(2);

/// Runs an endpoint (the clock stamps error envelopes): checks the caller has `role`, runs `service`, wraps its value in the success envelope
/// (or its error in the error envelope) and logs one line with the request id, status and latency.
pub async fn respond<T, F, Fut>(
    clock: &dyn crate::clock::Clock,
    request: Request,
    role: Role,
    status: u16,
    service: F,
) -> Response<Body>
where
    T: serde::Serialize,
    F: FnOnce(Request, Identity) -> Fut,
    Fut: Future<Output = Result<T, ApiError>>,
{
    let started = Instant::now();
    let request_id = request_id(&request);
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let outcome = match Identity::authorize(&request, role) {
        Ok(identity) => service(request, identity).await,
        Err(e) => Err(e),
    };
    let response = match outcome {
        Ok(value) => json_response(status, &envelope::success(&value, &request_id)),
        Err(error) => error.into_response(&request_id, clock.now()),
    };
    let elapsed = started.elapsed();
    let code = response.status().as_u16();
    if elapsed > SLOW_REQUEST {
        tracing::warn!(
            request_id,
            method,
            path,
            status = code,
            latency_ms = elapsed.as_millis() as u64,
            "slow request"
        );
    } else {
        tracing::info!(request_id, method, path, status = code, latency_ms = elapsed.as_millis() as u64, "request");
    }
    response
}
