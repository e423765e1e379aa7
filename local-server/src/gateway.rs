//! The local API Gateway: matches routes from the route table, verifies bearer tokens the way the JWT
//! authorizer does (a route that needs identity answers 401 `{"message":"Unauthorized"}` before any function
//! runs, as API Gateway does), builds the payload-2.0 event and calls the function's handler.

use crate::dev_token;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response, StatusCode};
use shared::app::AppContext;
use shared::http::apigw::{HttpEvent, api_gateway_claims};
use shared::routes;
use tracing::Instrument;

type Reply = Response<Full<Bytes>>;

fn reply(status: StatusCode, body: &serde_json::Value) -> Reply {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response.headers_mut().insert("content-type", "application/json".parse().expect("static header"));
    response
}

/// The subjects this run has signed up.
static SIGNED_UP: std::sync::LazyLock<std::sync::Mutex<std::collections::HashSet<String>>> =
    std::sync::LazyLock::new(Default::default);

/// A dev token's customer gets a profile as a Cognito user does: the post-confirmation trigger runs, with the
/// attributes a dev token has (its subject, and an e-mail made of it), the first time this run sees it.
async fn confirm_sign_up(ctx: &AppContext, subject: &str) {
    if SIGNED_UP.lock().unwrap_or_else(|p| p.into_inner()).contains(subject) {
        return;
    }
    let event = serde_json::json!({
        "version": "1",
        "region": "local",
        "userPoolId": "local",
        "userName": subject,
        "callerContext": {"awsSdkVersion": "local-server", "clientId": "local"},
        "triggerSource": "PostConfirmation_ConfirmSignUp",
        "request": {"userAttributes": {"sub": subject, "email": format!("{subject}@local.test")}},
        "response": {}
    });
    match shared::user_pool::signup_confirmed(ctx, event).await {
        Ok(_) => {
            SIGNED_UP.lock().unwrap_or_else(|p| p.into_inner()).insert(subject.to_owned());
        }
        Err(message) => tracing::warn!(subject, message, "dev token's sign-up not confirmed"),
    }
}

pub async fn handle(ctx: &AppContext, secret: &str, request: Request<hyper::body::Incoming>) -> Reply {
    let (parts, body) = request.into_parts();
    let method = parts.method.as_str().to_owned();
    let path = parts.uri.path().to_owned();
    if method == "GET" && path == "/openapi.json" {
        return reply(StatusCode::OK, &shared::openapi::document());
    }
    let Some((spec, params)) = routes::match_http(&method, &path) else {
        return reply(StatusCode::NOT_FOUND, &serde_json::json!({"message": "Not Found"}));
    };
    let mut event = HttpEvent::new(&method, &path);
    event.raw_query = parts.uri.query().unwrap_or_default().to_owned();
    for (name, value) in &parts.headers {
        if let Ok(v) = value.to_str() {
            event.headers.insert(name.as_str().to_owned(), v.to_owned());
        }
    }
    if let routes::Trigger::Http { method: m, path: p, .. } = spec.trigger {
        event.route_key = Some(format!("{m} {p}"));
    }
    event.path_parameters = params.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    if spec.role.is_some() {
        let token = event.headers.get("authorization").and_then(|h| h.strip_prefix("Bearer ")).unwrap_or_default();
        match dev_token::verify(token, secret) {
            Ok(claims) => {
                if spec.role == Some(shared::http::Role::Customer)
                    && let Some(subject) = claims.get("sub").and_then(|s| s.as_str())
                {
                    confirm_sign_up(ctx, subject).await;
                }
                event.claims = Some(api_gateway_claims(&claims));
            }
            Err(_) => {
                let mut response = reply(StatusCode::UNAUTHORIZED, &serde_json::json!({"message": "Unauthorized"}));
                response.headers_mut().insert("www-authenticate", "Bearer".parse().expect("static header"));
                return response;
            }
        }
    }
    match body.collect().await {
        Ok(collected) => {
            let bytes = collected.to_bytes();
            if !bytes.is_empty() {
                event.body = Some(String::from_utf8_lossy(&bytes).into_owned());
            }
        }
        Err(_) => {
            return reply(StatusCode::BAD_REQUEST, &serde_json::json!({"message": "Bad Request"}));
        }
    }
    let lambda_request = match event.to_request(ctx.clock.now()) {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = e, "could not build the API Gateway event");
            return reply(StatusCode::INTERNAL_SERVER_ERROR, &serde_json::json!({"message": "Internal Server Error"}));
        }
    };
    // The function's log events are its own in the local logs endpoint (`shared::log_ring`), as in its log group.
    let span = tracing::info_span!(target: "local", "function", name = spec.name);
    let Some(response) = shared::handlers::http(spec, ctx, lambda_request).instrument(span).await else {
        tracing::error!(function = spec.name, "route has no HTTP handler");
        return reply(StatusCode::INTERNAL_SERVER_ERROR, &serde_json::json!({"message": "Internal Server Error"}));
    };
    let (parts, body) = response.into_parts();
    let bytes = match body {
        lambda_http::Body::Empty => Bytes::new(),
        lambda_http::Body::Text(t) => Bytes::from(t),
        lambda_http::Body::Binary(b) => Bytes::from(b),
        _ => Bytes::new(),
    };
    let mut out = Response::new(Full::new(bytes));
    *out.status_mut() = StatusCode::from_u16(parts.status.as_u16()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in &parts.headers {
        if let (Ok(n), Ok(v)) = (
            hyper::header::HeaderName::from_bytes(name.as_str().as_bytes()),
            hyper::header::HeaderValue::from_bytes(value.as_bytes()),
        ) {
            out.headers_mut().insert(n, v);
        }
    }
    out
}
