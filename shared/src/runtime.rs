//! What every function binary's `main` does: set up logs, build the context once per cold start (clients
//! only, no network), and hand every event to the function's handler in `crate::handlers`.

use crate::app::AppContext;
use crate::worker::JobRegistry;
use aws_lambda_events::sqs::SqsEvent;
use lambda_runtime::{LambdaEvent, service_fn};

pub type Error = lambda_runtime::Error;

/// Runs the HTTP function `name` (a row of `crate::routes::FUNCTIONS`).
pub async fn serve_http(name: &'static str) -> Result<(), Error> {
    crate::logging::init();
    let ctx = AppContext::from_env().await?;
    let ctx = &ctx;
    lambda_http::run(lambda_http::service_fn(move |request| async move {
        match crate::handlers::http(name, ctx, request).await {
            Some(response) => Ok(response),
            None => Err(Error::from(format!("{name} is not an HTTP function"))),
        }
    }))
    .await
}

/// Runs the scheduled function `name`.
pub async fn serve_schedule(name: &'static str) -> Result<(), Error> {
    crate::logging::init();
    let ctx = AppContext::from_env().await?;
    let ctx = &ctx;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| async move {
        match crate::handlers::scheduled(name, ctx, event.payload).await {
            Some(result) => result.map_err(Error::from),
            None => Err(Error::from(format!("{name} is not a scheduled function"))),
        }
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
