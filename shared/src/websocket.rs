//! The Lambda side of the real-time WebSocket API: API Gateway's event for `$connect`, `$default` or
//! `$disconnect` in, the real-time context's call, a status out (API Gateway refuses the connection when
//! `$connect` answers anything but 2xx; the other routes' answers reach no client — frames are posted).

use crate::app::AppContext;
use crate::routes::{FunctionSpec, Trigger};
use crate::services::realtime::socket;
use api::Identity;
use aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayWebsocketProxyRequest};
use std::time::Instant;

/// Runs the route of the WebSocket function `spec` for `event`.
pub async fn handle(
    ctx: &AppContext,
    spec: &'static FunctionSpec,
    event: ApiGatewayWebsocketProxyRequest,
) -> ApiGatewayProxyResponse {
    let started = Instant::now();
    let context = &event.request_context;
    let connection_id = context.connection_id.clone().unwrap_or_default();
    let request_id = context.request_id.clone().unwrap_or_default();
    let Trigger::WebSocket { route } = spec.trigger else {
        tracing::error!(function = spec.name, "handler's route-table row is not a WebSocket route");
        return status(500);
    };
    let outcome = if connection_id.is_empty() {
        Err("the event names no connection".to_owned())
    } else {
        match route {
            // A Pusher client connects without credentials: channels are authorised one by one.
            "$connect" => {
                let protocol = event.query_string_parameters.first("protocol");
                socket::connect(ctx, &connection_id, &Identity::anonymous(), protocol).await
            }
            "$disconnect" => {
                let forgotten = socket::disconnect(ctx, &connection_id).await;
                // API Gateway does not retry a failed $disconnect: a job does, so the rows do not outlive it.
                if forgotten.is_err() {
                    socket::forget_later(ctx, &connection_id).await;
                }
                forgotten
            }
            _ => socket::receive(ctx, &connection_id, event.body.as_deref().unwrap_or_default()).await,
        }
        .map_err(|error| error.to_string())
    };
    let latency_ms = started.elapsed().as_millis() as u64;
    match outcome {
        Ok(()) => {
            tracing::info!(request_id, route, connection_id, latency_ms, "websocket");
            status(200)
        }
        Err(error) => {
            tracing::error!(request_id, route, connection_id, latency_ms, error, "websocket route failed");
            status(500)
        }
    }
}

fn status(code: i64) -> ApiGatewayProxyResponse {
    let mut response = ApiGatewayProxyResponse::default();
    response.status_code = code;
    response
}
