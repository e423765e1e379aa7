//! The local WebSocket API, on the HTTP port: what API Gateway does for the real-time functions. A client
//! connects at `/app/<key>` (where `pusher-js` connects) or `/ws`; the gateway builds the same `$connect`,
//! `$default` and `$disconnect` events API Gateway sends and runs the same handlers
//! (`shared::websocket::handle`), and answers the management API's `PostToConnection` and `DeleteConnection`
//! in process (`MemoryConnections`). As API Gateway: the connection is refused when `$connect` fails, is open to
//! posts only once `$connect` returned, has its frames limited to 128 KB, and is closed after 10 idle minutes or
//! 2 hours, with `$disconnect` run however it ends.

use base64::Engine;
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::Full;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use shared::adapters::memory::{MemoryConnections, Outbound};
use shared::app::AppContext;
use shared::routes::{self, FunctionSpec};
use std::sync::Arc;
use std::time::Duration;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::{Message, Role, WebSocketConfig};
use tracing::Instrument;

/// API Gateway's limits on a WebSocket connection.
pub const MAX_MESSAGE_BYTES: usize = 128 * 1024;
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(10 * 60);
pub const MAX_CONNECTION: Duration = Duration::from_secs(2 * 60 * 60);

type Reply = Response<Full<Bytes>>;

/// Whether `request` asks for this WebSocket API: an upgrade at `/ws` or `/app/<key>`.
pub fn is_websocket(request: &Request<hyper::body::Incoming>) -> bool {
    let path = request.uri().path();
    let upgrade = request.headers().get("upgrade").and_then(|v| v.to_str().ok());
    request.method() == hyper::Method::GET
        && upgrade.is_some_and(|u| u.eq_ignore_ascii_case("websocket"))
        && (path == "/ws" || path.starts_with("/app/"))
}

fn refuse(status: StatusCode, message: &str) -> Reply {
    let body = serde_json::json!({ "message": message }).to_string();
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
}

/// Answers the upgrade and runs the connection in a task of its own.
pub async fn accept(
    ctx: Arc<AppContext>,
    connections: Arc<MemoryConnections>,
    mut request: Request<hyper::body::Incoming>,
) -> Reply {
    // `/app/<key>` names the Pusher app: another app's key is not this API.
    if let Some(key) = request.uri().path().strip_prefix("/app/") {
        let ours = ctx.channels_app.as_ref().map(|app| app.key.as_str());
        if Some(key) != ours {
            return refuse(StatusCode::NOT_FOUND, "No such app");
        }
    }
    let Some(client_key) = request.headers().get("sec-websocket-key").map(|k| k.as_bytes().to_vec()) else {
        return refuse(StatusCode::BAD_REQUEST, "Sec-WebSocket-Key is missing");
    };
    let connection_id = new_connection_id();
    let query: Vec<(String, String)> = request
        .uri()
        .query()
        .map(|q| q.split('&').filter_map(|kv| kv.split_once('=')).map(|(k, v)| (k.into(), v.into())).collect())
        .unwrap_or_default();
    let connect = event(&routes::REALTIME_CONNECT, "CONNECT", &connection_id, None, &query);
    let span = tracing::info_span!(target: "local", "function", name = routes::REALTIME_CONNECT.name);
    let accepted = run(&ctx, &routes::REALTIME_CONNECT, connect).instrument(span).await;
    if !accepted {
        return refuse(StatusCode::FORBIDDEN, "Forbidden");
    }
    let upgrade = hyper::upgrade::on(&mut request);
    tokio::spawn(async move {
        match upgrade.await {
            Ok(upgraded) => {
                let config = WebSocketConfig::default()
                    .max_message_size(Some(MAX_MESSAGE_BYTES))
                    .max_frame_size(Some(MAX_MESSAGE_BYTES));
                let socket = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config)).await;
                session(&ctx, &connections, &connection_id, socket).await;
            }
            Err(error) => tracing::debug!(%error, "upgrade failed"),
        }
        connections.closed(&connection_id);
        let disconnect = event(&routes::REALTIME_DISCONNECT, "DISCONNECT", &connection_id, None, &[]);
        let span = tracing::info_span!(target: "local", "function", name = routes::REALTIME_DISCONNECT.name);
        run(&ctx, &routes::REALTIME_DISCONNECT, disconnect).instrument(span).await;
    });
    let accept = tokio_tungstenite::tungstenite::handshake::derive_accept_key(&client_key);
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let headers = response.headers_mut();
    headers.insert("upgrade", "websocket".parse().expect("static header"));
    headers.insert("connection", "Upgrade".parse().expect("static header"));
    if let Ok(value) = accept.parse() {
        headers.insert("sec-websocket-accept", value);
    }
    response
}

/// The open connection: the client's frames to `$default`, one at a time, and what is posted to it back out,
/// until either side closes it or a limit does.
async fn session(
    ctx: &AppContext,
    connections: &MemoryConnections,
    connection_id: &str,
    mut socket: WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>,
) {
    // Open to posts from here on, as API Gateway's connection once `$connect` has returned.
    let mut outbound = connections.open(connection_id);
    let deadline = tokio::time::sleep(MAX_CONNECTION);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            incoming = tokio::time::timeout(IDLE_TIMEOUT, socket.next()) => match incoming {
                Ok(Some(Ok(Message::Text(text)))) => {
                    let message = event(&routes::REALTIME_MESSAGE, "MESSAGE", connection_id, Some(text.as_str()), &[]);
                    let span = tracing::info_span!(target: "local", "function", name = routes::REALTIME_MESSAGE.name);
                    run(ctx, &routes::REALTIME_MESSAGE, message).instrument(span).await;
                }
                // Control frames are the socket's own (tungstenite answers pings); binary frames API Gateway
                // passes base64-encoded, which no Pusher client sends.
                Ok(Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Binary(_) | Message::Frame(_)))) => {}
                Ok(Some(Ok(Message::Close(_)))) | Ok(None) => break,
                Ok(Some(Err(error))) => {
                    // A frame over the limit closes the connection (1009), as API Gateway does.
                    tracing::debug!(connection_id, %error, "connection ended with an error");
                    break;
                }
                Err(_) => {
                    tracing::debug!(connection_id, "idle for 10 minutes: closed");
                    break;
                }
            },
            posted = outbound.recv() => match posted {
                Some(Outbound::Frame(text)) => {
                    if socket.send(Message::text(text)).await.is_err() {
                        break;
                    }
                }
                Some(Outbound::Close) | None => break,
            },
            _ = &mut deadline => {
                tracing::debug!(connection_id, "2 hours: closed");
                break;
            }
        }
    }
    connections.closed(connection_id);
    let _ = socket.close(None).await;
}

/// Whether `request` is for the management API (`/@connections/<id>`), which this gateway also answers over
/// HTTP: the AWS adapter (`ApiGatewayConnections`) is tested against it, and a local run on the AWS backend may
/// point `WEBSOCKET_API_ENDPOINT` at it.
pub fn is_management(request: &Request<hyper::body::Incoming>) -> bool {
    request.uri().path().starts_with("/@connections/")
}

/// The management API: `POST /@connections/<id>` posts the body as a frame, `DELETE` closes the connection; a
/// connection that is not open is a 410 `GoneException`, as API Gateway answers.
pub async fn manage(connections: &MemoryConnections, request: Request<hyper::body::Incoming>) -> Reply {
    use http_body_util::BodyExt;
    use shared::ports::{ConnectionPoster, PostError};
    let (parts, body) = request.into_parts();
    // The SDK percent-encodes the id in the path (its `=`).
    let id = parts.uri.path().trim_start_matches("/@connections/");
    let id = percent_encoding::percent_decode_str(id).decode_utf8_lossy().into_owned();
    let outcome = match parts.method {
        hyper::Method::POST => match body.collect().await {
            Ok(collected) => {
                let bytes = collected.to_bytes();
                if bytes.len() > MAX_MESSAGE_BYTES {
                    return aws_error(StatusCode::PAYLOAD_TOO_LARGE, "PayloadTooLargeException");
                }
                connections.post(&id, &String::from_utf8_lossy(&bytes)).await
            }
            Err(_) => return aws_error(StatusCode::BAD_REQUEST, "BadRequestException"),
        },
        hyper::Method::DELETE => connections.close(&id).await,
        _ => return aws_error(StatusCode::METHOD_NOT_ALLOWED, "MethodNotAllowed"),
    };
    match outcome {
        Ok(()) => {
            let mut response = Response::new(Full::new(Bytes::new()));
            *response.status_mut() =
                if parts.method == hyper::Method::DELETE { StatusCode::NO_CONTENT } else { StatusCode::OK };
            response
        }
        Err(PostError::Gone) => aws_error(StatusCode::GONE, "GoneException"),
        Err(PostError::Throttled) => aws_error(StatusCode::TOO_MANY_REQUESTS, "LimitExceededException"),
        Err(PostError::Port(_)) => aws_error(StatusCode::INTERNAL_SERVER_ERROR, "InternalServerError"),
    }
}

/// An error as API Gateway's REST-JSON APIs write it: the type in `x-amzn-ErrorType`, a message in the body.
fn aws_error(status: StatusCode, error_type: &'static str) -> Reply {
    let body = serde_json::json!({ "message": error_type }).to_string();
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert("x-amzn-errortype", hyper::header::HeaderValue::from_static(error_type));
    response.headers_mut().insert("content-type", hyper::header::HeaderValue::from_static("application/json"));
    response
}

/// Runs a WebSocket route's handler as API Gateway invokes it; whether it answered 2xx.
async fn run(ctx: &AppContext, spec: &'static FunctionSpec, event: serde_json::Value) -> bool {
    match serde_json::from_value(event) {
        Ok(event) => (200..300).contains(&shared::websocket::handle(ctx, spec, event).await.status_code),
        Err(error) => {
            tracing::error!(%error, "could not build the API Gateway WebSocket event");
            false
        }
    }
}

/// An API Gateway-like connection id: 12 random bytes, base64 (16 characters ending in `=` as theirs do, e.g.
/// `L0SM9cOFvHcCIhw=`).
fn new_connection_id() -> String {
    let bytes: [u8; 11] = std::array::from_fn(|_| fastrand::u8(..));
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The event API Gateway sends the function of `spec`'s route.
fn event(
    spec: &FunctionSpec,
    event_type: &str,
    connection_id: &str,
    body: Option<&str>,
    query: &[(String, String)],
) -> serde_json::Value {
    let routes::Trigger::WebSocket { route } = spec.trigger else {
        return serde_json::Value::Null;
    };
    let now = chrono::Utc::now();
    let mut event = serde_json::json!({
        "requestContext": {
            "routeKey": route,
            "eventType": event_type,
            "messageDirection": "IN",
            "stage": "local",
            "connectionId": connection_id,
            "requestId": uuid::Uuid::new_v4().to_string(),
            "requestTimeEpoch": now.timestamp_millis(),
            "connectedAt": now.timestamp_millis(),
            "domainName": "127.0.0.1",
            "apiId": "local",
            "identity": {"sourceIp": "127.0.0.1"},
        },
        "isBase64Encoded": false,
    });
    if let Some(body) = body {
        event["body"] = serde_json::Value::String(body.to_owned());
    }
    if !query.is_empty() {
        let map: serde_json::Map<String, serde_json::Value> =
            query.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect();
        event["queryStringParameters"] = serde_json::Value::Object(map);
    }
    event
}
