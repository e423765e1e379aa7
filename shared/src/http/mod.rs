//! The Lambda side of HTTP: API Gateway's event in, the envelope out. `respond` turns the event into the
//! `ApiRequest` and `Identity` a context's endpoint reads (the contract in the `api` crate), checks the caller
//! against the endpoint's row of the route table, counts its rate limits, runs the endpoint and writes its
//! value or its error in the one envelope.

pub mod apigw;

pub use api::{ApiError, ApiRequest, FieldErrors, Identity, Role, page, parse_array_claim, rate_limit, request};

use crate::app::AppContext;
use crate::routes::{FunctionSpec, Trigger};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use rate_limit::Verdict;
use std::future::Future;
use std::time::Instant;

/// The request id API Gateway assigned (also in its access logs), or a fresh one when there is none.
pub fn request_id(request: &Request) -> String {
    match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.request_id.clone(),
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
    T: api::Respond,
    F: FnOnce(ApiRequest, Identity) -> Fut,
    Fut: Future<Output = Result<T, ApiError>>,
{
    let started = Instant::now();
    let request_id = request_id(&request);
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let mut allowance = None;
    let mut customer = None;
    // In a block of its own: the endpoint's value is gone before the telemetry below is awaited.
    let mut response = {
        let outcome = match admit(ctx, &request, spec).await {
            Ok((identity, status, verdict)) => {
                allowance = verdict;
                // (An anonymous caller of a public route is nobody's activity.)
                customer = (!identity.is_admin() && !identity.subject.is_empty()).then(|| identity.subject.clone());
                service(api_request(request), identity).await.map(|value| (status, value))
            }
            Err(e) => Err(e),
        };
        match outcome.map(|(status, value)| (status, value.into_body())) {
            Ok((status, api::reply::Body::Envelope(value))) => {
                json_response(status, &api::success_body(&value, &request_id))
            }
            Ok((status, api::reply::Body::File(file))) => file_response(status, file),
            Ok((status, api::reply::Body::Page(page))) => html_response(status, page),
            Ok((status, api::reply::Body::Verbatim(value))) => json_response(status, &value),
            Err(error) => error_response(error, &request_id, ctx.clock.now()),
        }
    };
    if let Some(Verdict::Allowed { limit, remaining }) = allowance {
        let headers = response.headers_mut();
        headers.insert("x-ratelimit-limit", limit.into());
        headers.insert("x-ratelimit-remaining", remaining.into());
    }
    let elapsed = started.elapsed();
    let code = response.status().as_u16();
    // The request's telemetry: its embedded metric in the log, its sample in this instance's batch (written to
    // the cache in one round trip when the batch is due).
    let sample = platform::request_metrics::RequestSample {
        function: spec.name,
        status: code,
        latency: elapsed,
        at: ctx.clock.now(),
        store_throttled: ctx.stores.take_throttled(),
        customer,
    };
    platform::telemetry::publish_embedded_metrics(&[platform::request_metrics::emf_line(&sample)]);
    if let Some(batch) = ctx.requests.record(sample) {
        platform::request_metrics::write(&*ctx.cache, &batch).await;
    }
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
    // A route without a role has no authorizer (the dashboards' shell, which holds no data): anyone may call it.
    let Some(role) = spec.role else {
        return Ok((caller(request).unwrap_or_else(Identity::anonymous), status, None));
    };
    let identity = Identity::authorize(caller(request), role)?;
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

/// The caller, from the claims API Gateway's JWT authorizer verified (None without an authorizer context).
pub fn caller(request: &Request) -> Option<Identity> {
    match request.request_context_ref()? {
        RequestContext::ApiGatewayV2(ctx) => Identity::from_claims(&ctx.authorizer.as_ref()?.jwt.as_ref()?.claims),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

/// What an endpoint reads of the event: its path parameters, query, headers and body.
pub fn api_request(request: Request) -> ApiRequest {
    let path_parameters = request.path_parameters();
    let path_parameters = path_parameters.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
    let query = request.query_string_parameters();
    let query = query.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
    let mut headers = std::collections::HashMap::new();
    for (name, value) in request.headers() {
        if name != lambda_http::http::header::AUTHORIZATION && name != lambda_http::http::header::COOKIE {
            headers
                .entry(name.as_str().to_owned())
                .or_insert_with(|| String::from_utf8_lossy(value.as_bytes()).into_owned());
        }
    }
    let body = match request.into_body() {
        Body::Text(text) => text.into_bytes(),
        Body::Binary(bytes) => bytes,
        _ => Vec::new(),
    };
    ApiRequest { path_parameters, query, headers, body }
}

/// The error envelope as a response, with `retry-after` for 429 and 503.
pub fn error_response(error: ApiError, request_id: &str, now: chrono::DateTime<chrono::Utc>) -> Response<Body> {
    let (status, retry_after) = (error.status, error.retry_after);
    let mut response = json_response(status, &error.body(request_id, now));
    if let Some(seconds) = retry_after {
        response.headers_mut().insert("retry-after", seconds.into());
    }
    response
}

/// A file as the response: its bytes, type and name (`attachment`, so a browser saves it).
fn file_response(status: u16, file: api::Download) -> Response<Body> {
    let mut response = Response::new(Body::Binary(file.bytes));
    *response.status_mut() =
        lambda_http::http::StatusCode::from_u16(status).unwrap_or(lambda_http::http::StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert("content-type", lambda_http::http::HeaderValue::from_static(file.content_type));
    // The name is the server's own (a report id and a table name), never the caller's text.
    let disposition = format!("attachment; filename=\"{}\"", file.filename.replace(['"', '\\'], "_"));
    if let Ok(value) = lambda_http::http::HeaderValue::from_str(&disposition) {
        headers.insert("content-disposition", value);
    }
    response
}

const PAGE_POLICY: &str = "frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// A page: never cached (it shows live figures to one signed-in reader), never sniffed as anything but HTML,
/// never framed. The shell states the rest of its content security policy in its own `<meta>` (the hashes of
/// its script and style: `dashboards::pages::shell`).
fn html_response(status: u16, page: api::Html) -> Response<Body> {
    use lambda_http::http::HeaderValue;
    let mut response = Response::new(Body::Text(page.0));
    *response.status_mut() =
        lambda_http::http::StatusCode::from_u16(status).unwrap_or(lambda_http::http::StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert("cache-control", HeaderValue::from_static("no-store"));
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    headers.insert("content-security-policy", HeaderValue::from_static(PAGE_POLICY));
    response
}

pub fn json_response(status: u16, body: &impl serde::Serialize) -> Response<Body> {
    let text = serde_json::to_string(body).unwrap_or_else(|_| r#"{"success":false}"#.into());
    let mut response = Response::new(Body::Text(text));
    *response.status_mut() =
        lambda_http::http::StatusCode::from_u16(status).unwrap_or(lambda_http::http::StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert("content-type", lambda_http::http::HeaderValue::from_static("application/json"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use apigw::HttpEvent;

    #[test]
    fn the_endpoint_reads_the_event_as_api_gateway_sent_it() {
        let mut event = HttpEvent::new("POST", "/api/orders/o-1/cancel").with_body("{\"a\":1}");
        event.raw_query = "limit=5&cursor=abc".into();
        event.headers.insert("Idempotency-Key".into(), "k-1".into());
        event.headers.insert("Authorization".into(), "Bearer the-token".into());
        event.path_parameters.insert("id".into(), "o-1".into());
        let request = api_request(event.to_request(chrono::Utc::now()).unwrap());
        assert_eq!(request.path_param("id").unwrap(), "o-1");
        assert_eq!(request.query()["limit"], "5");
        assert_eq!(request.query()["cursor"], "abc");
        assert_eq!(request.idempotency_key().unwrap().as_deref(), Some("k-1"));
        assert_eq!(request.body_text().unwrap(), "{\"a\":1}");
        assert!(!request.headers.contains_key("authorization"), "the caller's token stays at the edge");
    }
}
