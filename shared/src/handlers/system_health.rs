//! `GET /admin/system/health`.

use crate::app::AppContext;
use crate::http::respond;
use crate::routes;
use crate::services::health::{self, HealthThresholds};
use lambda_http::{Body, Request, Response};

pub async fn handle(ctx: &AppContext, request: Request) -> Response<Body> {
    respond(ctx, request, &routes::SYSTEM_HEALTH, |_, _| async {
        Ok(health::check(ctx, &HealthThresholds::default()).await)
    })
    .await
}
