//! What every function binary's `main` does: set up logs, build the context once per cold start (clients
//! only, no network), and hand every event to the endpoint, task or worker the binary names. Naming it
//! (rather than looking it up by name) is what keeps each binary to its own function's code.

use crate::app::AppContext;
use crate::http::{ApiError, ApiRequest, Identity};
use crate::routes::{FunctionSpec, Trigger};
use aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest;
use aws_lambda_events::sqs::SqsEvent;
use lambda_runtime::{LambdaEvent, service_fn};
use std::future::Future;
use std::sync::Arc;

pub type Error = lambda_runtime::Error;

/// The context for the life of the process: built once per cold start, used by every event until the
/// execution environment is shut down (so it is never dropped, and every endpoint can borrow it for good).
async fn context() -> Result<&'static AppContext, Error> {
    crate::logging::init();
    Ok(Box::leak(Box::new(AppContext::from_env().await?)))
}

/// `context`, able to search the logs: CloudWatch Logs over the functions' log groups (only the binaries that
/// use it link its client).
async fn context_with_logs() -> Result<&'static AppContext, Error> {
    crate::logging::init();
    let logs = Arc::new(crate::app::cloudwatch_logs().await?);
    Ok(Box::leak(Box::new(AppContext::from_env().await?.with_log_source(logs))))
}

/// Runs the HTTP function `spec` with its context's endpoint, e.g.
/// `serve_http(&routes::ORDERS_CREATE, orders::endpoints::create)`.
pub async fn serve_http<E, Fut, T>(spec: &'static FunctionSpec, endpoint: E) -> Result<(), Error>
where
    E: Fn(&'static AppContext, ApiRequest, Identity) -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Result<T, ApiError>> + Send,
    T: api::Respond,
{
    expect_trigger(spec, matches!(spec.trigger, Trigger::Http { .. }))?;
    let ctx = context().await?;
    serve_http_in(ctx, spec, endpoint).await
}

/// `serve_http` in a context with the log source: CloudWatch Logs over the functions' log groups (only the
/// binaries that search logs link its client).
pub async fn serve_http_with_logs<E, Fut, T>(spec: &'static FunctionSpec, endpoint: E) -> Result<(), Error>
where
    E: Fn(&'static AppContext, ApiRequest, Identity) -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Result<T, ApiError>> + Send,
    T: api::Respond,
{
    expect_trigger(spec, matches!(spec.trigger, Trigger::Http { .. }))?;
    serve_http_in(context_with_logs().await?, spec, endpoint).await
}

async fn serve_http_in<E, Fut, T>(
    ctx: &'static AppContext,
    spec: &'static FunctionSpec,
    endpoint: E,
) -> Result<(), Error>
where
    E: Fn(&'static AppContext, ApiRequest, Identity) -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Result<T, ApiError>> + Send,
    T: api::Respond,
{
    lambda_http::run(lambda_http::service_fn(move |request| async move {
        Ok::<_, Error>(crate::http::respond(ctx, request, spec, |request, caller| endpoint(ctx, request, caller)).await)
    }))
    .await
}

/// Runs the scheduled function `spec` with its context's task, e.g.
/// `serve_schedule(&routes::INVENTORY_CHECK, inventory::scheduled::check)`.
pub async fn serve_schedule<S, Fut>(spec: &'static FunctionSpec, task: S) -> Result<(), Error>
where
    S: Fn(&'static AppContext, serde_json::Value) -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Result<serde_json::Value, String>> + Send,
{
    expect_trigger(spec, matches!(spec.trigger, Trigger::Schedule { .. }))?;
    serve_schedule_in(context().await?, task).await
}

/// `serve_schedule` in a context with the log source (CloudWatch Logs: only the binaries that use it link it).
pub async fn serve_schedule_with_logs<S, Fut>(spec: &'static FunctionSpec, task: S) -> Result<(), Error>
where
    S: Fn(&'static AppContext, serde_json::Value) -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Result<serde_json::Value, String>> + Send,
{
    expect_trigger(spec, matches!(spec.trigger, Trigger::Schedule { .. }))?;
    serve_schedule_in(context_with_logs().await?, task).await
}

async fn serve_schedule_in<S, Fut>(ctx: &'static AppContext, task: S) -> Result<(), Error>
where
    S: Fn(&'static AppContext, serde_json::Value) -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Result<serde_json::Value, String>> + Send,
{
    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| async move {
        task(ctx, event.payload).await.map_err(Error::from)
    }))
    .await
}

/// Runs the user pool trigger `spec` with its handler, e.g.
/// `serve_user_pool(&routes::SIGNUP_CONFIRMED, shared::user_pool::signup_confirmed)`.
pub async fn serve_user_pool<H, Fut>(spec: &'static FunctionSpec, handler: H) -> Result<(), Error>
where
    H: Fn(&'static AppContext, serde_json::Value) -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Result<serde_json::Value, String>> + Send,
{
    expect_trigger(spec, matches!(spec.trigger, Trigger::UserPool { .. }))?;
    let ctx = context().await?;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| async move {
        handler(ctx, event.payload).await.map_err(Error::from)
    }))
    .await
}

/// Runs the WebSocket route `spec` (`$connect`, `$default`, `$disconnect`) of the real-time API, e.g.
/// `serve_websocket(&routes::REALTIME_MESSAGE)`.
pub async fn serve_websocket(spec: &'static FunctionSpec) -> Result<(), Error> {
    expect_trigger(spec, matches!(spec.trigger, Trigger::WebSocket { .. }))?;
    crate::logging::init();
    let connections = Arc::new(crate::app::websocket_connections().await?);
    let ctx: &'static AppContext = Box::leak(Box::new(AppContext::from_env().await?.with_connections(connections)));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<ApiGatewayWebsocketProxyRequest>| async move {
        Ok::<_, Error>(crate::websocket::handle(ctx, spec, event.payload).await)
    }))
    .await
}

/// Runs the SQS queue worker with every registered job type.
pub async fn serve_worker() -> Result<(), Error> {
    crate::logging::init();
    // The worker pushes what the notifications queue carries to the WebSocket API's connections.
    let connections = Arc::new(crate::app::websocket_connections().await?);
    let mut ctx = AppContext::from_env().await?.with_connections(connections);
    // The worker alone mails alerts: only its binary links the SES client.
    if let Some(mail) = crate::config::AlertMailSettings::from_env() {
        let mailer = crate::adapters::aws::SesMailer::new(&crate::adapters::aws::sdk_config().await, mail.from);
        ctx = ctx.with_alert_mail(crate::deps::AlertMail {
            mailer: Arc::new(mailer),
            recipients: mail.recipients,
            window: mail.window,
        });
    }
    let ctx: &'static AppContext = Box::leak(Box::new(ctx));
    let registry = crate::worker::standard_registry();
    let registry = &registry;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        Ok::<_, Error>(crate::worker::handle(ctx, registry, event.payload).await)
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
