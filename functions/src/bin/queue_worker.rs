//! SQS queue-worker — see shared::handlers::queue_worker.
use aws_lambda_events::sqs::SqsEvent;
use lambda_runtime::{LambdaEvent, service_fn};
use shared::app::AppContext;
use shared::worker::JobRegistry;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::logging::init();
    let ctx = AppContext::from_env().await?;
    let registry = JobRegistry::standard();
    let (ctx, registry) = (&ctx, &registry);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        Ok::<_, lambda_runtime::Error>(shared::handlers::queue_worker::handle(ctx, registry, event.payload).await)
    }))
    .await
}
