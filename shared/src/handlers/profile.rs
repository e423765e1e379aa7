//! `PUT /api/profile`: the caller's own profile.

use crate::app::AppContext;
use crate::domain::CustomerId;
use crate::http::request::body_text;
use crate::http::{ApiError, respond};
use crate::routes;
use crate::services::profile::{self, ProfileError, UpdateProfileRequest};
use lambda_http::{Body, Request, Response};

pub async fn update(ctx: &AppContext, request: Request) -> Response<Body> {
    respond(ctx, request, &routes::PROFILE_UPDATE, |request, identity| async move {
        let changes = UpdateProfileRequest::parse(body_text(&request)?)
            .and_then(UpdateProfileRequest::into_changes)
            .map_err(ApiError::validation)?;
        profile::update(ctx, &CustomerId(identity.subject), changes).await.map_err(|error| match error {
            // A token for a customer the store does not know: their account is gone.
            ProfileError::NotFound(_) => ApiError::not_found("Customer"),
            ProfileError::Invalid(errors) => ApiError::validation(errors),
            ProfileError::Concurrent => {
                ApiError::conflict("Your profile was changed by another request at the same time; try again.")
            }
            ProfileError::Port(error) => error.into(),
        })
    })
    .await
}
