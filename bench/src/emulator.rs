//! A Lambda Runtime API emulator for one function process: the four endpoints a custom runtime calls
//! (<https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html>), on 127.0.0.1 and an ephemeral port.
//!
//! The bench queues invocations with [`Emulator::invoke`]; `GET .../invocation/next` long-polls until one is
//! queued. Everything the function does is reported, timestamped, through [`Emulator::next_report`].

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::net::TcpListener;
use tokio::sync::{Mutex, mpsc};
use tokio::task::{JoinHandle, JoinSet};

const PREFIX: &str = "/2018-06-01/runtime/";
/// The deadline handed out with each event, as Lambda does with the function's timeout.
const TIMEOUT: Duration = Duration::from_secs(30);

/// One event for the function.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub id: String,
    pub body: Bytes,
}

/// What the function did, and when (all instants from the bench's monotonic clock).
#[derive(Debug)]
pub enum Report {
    /// A `GET .../invocation/next` arrived.
    Polled(Instant),
    /// The event of invocation `id` was handed out in answer to a poll.
    HandedOut { id: String, at: Instant },
    /// `POST .../invocation/{id}/response`, fully received.
    Responded { id: String, at: Instant, body: Bytes },
    /// `POST .../invocation/{id}/error`.
    Failed { id: String, body: Bytes },
    /// `POST .../init/error`.
    InitFailed { body: Bytes },
    /// Anything else: the emulator does not know it, so the bench cannot trust the run.
    Unexpected { method: Method, path: String },
}

struct State {
    function_arn: String,
    queued: Mutex<mpsc::UnboundedReceiver<Invocation>>,
    reports: mpsc::UnboundedSender<Report>,
}

pub struct Emulator {
    addr: SocketAddr,
    invocations: mpsc::UnboundedSender<Invocation>,
    reports: mpsc::UnboundedReceiver<Report>,
    server: JoinHandle<()>,
}

impl Emulator {
    /// Binds 127.0.0.1:0 and serves until dropped.
    pub async fn start(function_name: &str) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (invocations, queued) = mpsc::unbounded_channel();
        let (report_tx, reports) = mpsc::unbounded_channel();
        let state = Arc::new(State {
            function_arn: format!("arn:aws:lambda:eu-west-1:123456789012:function:{function_name}"),
            queued: Mutex::new(queued),
            reports: report_tx,
        });
        let server = tokio::spawn(async move {
            // Dropping the set (when the server task is aborted) aborts every connection, including a
            // long poll still waiting for an event.
            let mut connections = JoinSet::new();
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let state = state.clone();
                connections.spawn(async move {
                    let service = service_fn(move |request| handle(state.clone(), request));
                    let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                });
                while connections.try_join_next().is_some() {}
            }
        });
        Ok(Self { addr, invocations, reports, server })
    }

    /// The value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn runtime_api(&self) -> String {
        self.addr.to_string()
    }

    /// Queues an event; the function's current or next poll receives it.
    pub fn invoke(&self, invocation: Invocation) {
        // The receiver lives in the server's state, which lives as long as `self`.
        let _ = self.invocations.send(invocation);
    }

    /// The next thing the function did (cancel-safe).
    pub async fn next_report(&mut self) -> Option<Report> {
        self.reports.recv().await
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn reply(status: StatusCode, body: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = status;
    response
}

fn epoch_ms(at: SystemTime) -> u128 {
    at.duration_since(UNIX_EPOCH).unwrap_or_default().as_millis()
}

fn trace_id() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let seconds = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    format!("Root=1-{seconds:08x}-{};Parent={};Sampled=0", &id[..24], &id[16..32])
}

async fn handle(state: Arc<State>, request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let arrived = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let route = path.strip_prefix(PREFIX).unwrap_or("");

    if method == Method::GET && route == "invocation/next" {
        let _ = state.reports.send(Report::Polled(arrived));
        // Long poll: one poller at a time takes the queue, and waits there for the bench.
        let next = state.queued.lock().await.recv().await;
        let Some(invocation) = next else {
            return Ok(reply(StatusCode::GONE, "{\"errorMessage\":\"bench over\"}"));
        };
        let deadline = epoch_ms(SystemTime::now() + TIMEOUT);
        let response = Response::builder()
            .status(StatusCode::OK)
            .header("content-type", "application/json")
            .header("lambda-runtime-aws-request-id", &invocation.id)
            .header("lambda-runtime-deadline-ms", deadline.to_string())
            .header("lambda-runtime-invoked-function-arn", state.function_arn.as_str())
            .header("lambda-runtime-trace-id", trace_id())
            .body(Full::new(invocation.body));
        let Ok(response) = response else {
            return Ok(reply(StatusCode::INTERNAL_SERVER_ERROR, "{}"));
        };
        let _ = state.reports.send(Report::HandedOut { id: invocation.id, at: Instant::now() });
        return Ok(response);
    }

    if method == Method::POST {
        let body = match request.into_body().collect().await {
            Ok(body) => body.to_bytes(),
            Err(_) => Bytes::new(),
        };
        let at = Instant::now();
        let report = if route == "init/error" {
            Some(Report::InitFailed { body })
        } else if let Some(rest) = route.strip_prefix("invocation/") {
            if let Some(id) = rest.strip_suffix("/response") {
                Some(Report::Responded { id: id.to_owned(), at, body })
            } else {
                rest.strip_suffix("/error").map(|id| Report::Failed { id: id.to_owned(), body })
            }
        } else {
            None
        };
        if let Some(report) = report {
            let _ = state.reports.send(report);
            return Ok(reply(StatusCode::ACCEPTED, "{\"status\":\"OK\"}"));
        }
    }

    let _ = state.reports.send(Report::Unexpected { method, path });
    Ok(reply(StatusCode::NOT_FOUND, "{\"errorMessage\":\"unknown\"}"))
}
