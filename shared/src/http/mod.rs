//! HTTP plumbing shared by every endpoint: identity from the API Gateway JWT authorizer, the one response
//! envelope, and `respond`, which every handler goes through.

pub mod apigw;
mod auth;
mod envelope;
pub mod page;
pub mod rate_limit;
pub mod request;

pub use auth::{Identity, Role, parse_array_claim};
pub use envelope::{ApiError, FieldErrors, json_response};

use crate::app::AppContext;
use crate::routes::{FunctionSpec, Trigger};
use lambda_http::{Body, Request, RequestExt, Response};
use rate_limit::Verdict;
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

/// Runs the endpoint of the HTTP function `spec` (its row of the route table says who may call it, its rate
/// limits and its success status): checks the caller, counts the call against the limits, runs
/// `service`, wraps its value in the success envelope (or its error in the error envelope) and logs one line
/// with the request id, status and latency.
pub async fn respond<T, F, Fut>(
    ctx: &AppContext,
    request: Request,
    spec: &'static FunctionSpec,
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
    let mut allowance = None;
    let outcome = match admit(ctx, &request, spec).await {
        Ok((identity, status, verdict)) => {
            allowance = verdict;
            service(request, identity).await.map(|value| (status, value))
        }
        Err(e) => Err(e),
    };
    let mut response = match outcome {
        Ok((status, value)) => json_response(status, &envelope::success(&value, &request_id)),
        Err(error) => error.into_response(&request_id, ctx.clock.now()),
    };
    if let Some(Verdict::Allowed { limit, remaining }) = allowance {
        let headers = response.headers_mut();
        headers.insert("x-ratelimit-limit", limit.into());
        headers.insert("x-ratelimit-remaining", remaining.into());
    }
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

/// Who is calling, with which success status, and how much of their rate limit is left.
async fn admit(
    ctx: &AppContext,
    request: &Request,
    spec: &'static FunctionSpec,
) -> Result<(Identity, u16, Option<Verdict>), ApiError> {
    let Trigger::Http { status, .. } = spec.trigger else {
        tracing::error!(function = spec.name, "handler's route-table row is not an HTTP route");
        return Err(ApiError::internal());
    };
    let identity = Identity::authorize(request, spec.role.unwrap_or(Role::Admin))?;
    if spec.limits.is_empty() {
        return Ok((identity, status, None));
    }
    match rate_limit::check_all(&*ctx.cache, ctx.clock.now(), spec.limits, &identity.subject).await {
        Ok(Verdict::Limited { retry_after_secs }) => Err(ApiError::too_many_requests(retry_after_secs)),
        Ok(allowed) => Ok((identity, status, Some(allowed))),
        // A cache outage must not take the API down with it: the call goes through unlimited, and the log says so.
        Err(error) => {
            tracing::warn!(%error, function = spec.name, "rate limit not checked: cache unavailable");
            Ok((identity, status, None))
        }
    }
}
