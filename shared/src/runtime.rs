//! What every function binary's `main` does: set up logs, build the context once per cold start (clients
//! only, no network), and hand every event to the handler the binary names. Naming the handler (rather than
//! looking it up by name) is what keeps each binary to its own function's code.

use crate::app::AppContext;
use crate::routes::{FunctionSpec, Trigger};
use crate::worker::JobRegistry;
use aws_lambda_events::sqs::SqsEvent;
use lambda_http::{Body, Request, Response};
use lambda_runtime::{LambdaEvent, service_fn};
use std::future::Future;
use std::pin::Pin;

pub type Error = lambda_runtime::Error;

/// An HTTP function's handler, as its binary names it: `|ctx, request| Box::pin(orders::create(ctx, request))`.
/// (A boxed future, because the runtime needs it `Send` and a plain `async fn` bound cannot say so yet.)
pub type HttpHandler = for<'a> fn(&'a AppContext, Request) -> Pin<Box<dyn Future<Output = Response<Body>> + Send + 'a>>;

/// A scheduled function's handler: `|ctx, payload| Box::pin(inventory::check(ctx, payload))`.
pub type ScheduleHandler = for<'a> fn(
    &'a AppContext,
    serde_json::Value,
) -> Pin<Box<dyn Future<Output = Result<serde_json::Value, String>> + Send + 'a>>;

/// Runs the HTTP function `spec` with its handler.
pub async fn serve_http(spec: &'static FunctionSpec, handler: HttpHandler) -> Result<(), Error> {
    expect_trigger(spec, matches!(spec.trigger, Trigger::Http { .. }))?;
    crate::logging::init();
    let ctx = AppContext::from_env().await?;
    let ctx = &ctx;
    lambda_http::run(lambda_http::service_fn(move |request| async move { Ok::<_, Error>(handler(ctx, request).await) }))
        .await
}

/// Runs the scheduled function `spec` with its handler.
pub async fn serve_schedule(spec: &'static FunctionSpec, handler: ScheduleHandler) -> Result<(), Error> {
    expect_trigger(spec, matches!(spec.trigger, Trigger::Schedule { .. }))?;
    crate::logging::init();
    let ctx = AppContext::from_env().await?;
    let ctx = &ctx;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| async move {
        handler(ctx, event.payload).await.map_err(Error::from)
    }))
    .await
}

/// Runs the SQS queue worker with every registered job type.
pub async fn serve_worker() -> Result<(), Error> {
    crate::logging::init();
    let ctx = AppContext::from_env().await?;
    let registry = JobRegistry::standard();
    let (ctx, registry) = (&ctx, &registry);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        Ok::<_, Error>(crate::handlers::queue_worker::handle(ctx, registry, event.payload).await)
    }))
    .await
}

/// A binary wired to a row of the wrong kind fails its init (and its deployment) instead of every request.
fn expect_trigger(spec: &FunctionSpec, matches: bool) -> Result<(), Error> {
    if matches {
        return Ok(());
    }
    Err(Error::from(format!("{} is served as another kind of function than its trigger", spec.name)))
}
