//! Scheduled system-health-check — see shared::handlers::system_health_check.
use lambda_runtime::{LambdaEvent, service_fn};
use shared::app::AppContext;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::logging::init();
    let ctx = AppContext::from_env().await?;
    let ctx = &ctx;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| async move {
        shared::handlers::system_health_check::handle(ctx, event.payload).await.map_err(lambda_runtime::Error::from)
    }))
    .await
}
