//! `PUT /api/profile` (`PROFILE_UPDATE`): the caller's own profile.

use crate::profile::{self, ProfileEnv, ProfileError, UpdateProfileRequest};
use api::{ApiError, ApiRequest, Identity};
use proxy_core::domain::{Customer, CustomerId};

pub async fn update(ctx: &impl ProfileEnv, request: ApiRequest, caller: Identity) -> Result<Customer, ApiError> {
    let changes = UpdateProfileRequest::parse(request.body_text()?)
        .and_then(UpdateProfileRequest::into_changes)
        .map_err(ApiError::validation)?;
    profile::update(ctx, &CustomerId(caller.subject), changes).await.map_err(|error| match error {
        // A token for a customer the store does not know: their account is gone.
        ProfileError::NotFound(_) => ApiError::profile_missing(),
        ProfileError::Taken(errors) => ApiError {
            errors: Some(errors),
            ..ApiError::new(409, "already_taken", "That username or e-mail belongs to another customer.")
        },
        ProfileError::Concurrent => {
            ApiError::conflict("Your profile was changed by another request at the same time; try again.")
        }
        ProfileError::Port(error) => error.into(),
    })
}
