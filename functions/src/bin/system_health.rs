//! GET /admin/system/health — see shared::handlers::system_health.
use shared::app::AppContext;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::logging::init();
    let ctx = AppContext::from_env().await?;
    let ctx = &ctx;
    lambda_http::run(lambda_http::service_fn(move |request| async move {
        Ok::<_, std::convert::Infallible>(shared::handlers::system_health::handle(ctx, request).await)
    }))
    .await
}
