//! The customer's own profile: `PUT /api/profile`. Username and e-mail are unique case-insensitively; the
//! uniqueness guards move in the same transaction as the profile, so two customers racing for one name
//! cannot both get it.

mod requests;
pub mod signup;

pub use proxy_core::domain::ProfileChanges;
pub use requests::{LOCALES, UpdateProfileRequest};
pub use signup::{RegisterError, Registered, Registration, register};

use proxy_core::domain::{Customer, CustomerId};
use proxy_core::error::PortError;
use proxy_core::validation::FieldErrors;
use proxy_core::validation::add_error;
use store::ProfileOp;

platform::env!(
    /// What profile updates need: the clock and the repositories.
    ProfileEnv: platform::deps::HasClock, platform::deps::HasStores
);

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("no customer {0}")]
    NotFound(CustomerId),
    /// The username or e-mail belongs to another customer (by field): a conflict with stored data, not a
    /// malformed request.
    #[error("the username or e-mail is taken")]
    Taken(FieldErrors),
    /// Another update of the same profile won; nothing was written.
    #[error("the profile changed while it was being updated")]
    Concurrent,
    #[error(transparent)]
    Port(#[from] PortError),
}

/// Applies `changes` to the customer's profile and returns it as stored.
pub async fn update(ctx: &impl ProfileEnv, id: &CustomerId, changes: ProfileChanges) -> Result<Customer, ProfileError> {
    let current = ctx.stores().customers.get(id).await?.ok_or_else(|| ProfileError::NotFound(id.clone()))?;
    let (ops, roles) = ctx.stores().customers.profile_update_ops(&current, &changes, ctx.clock().now())?;
    if let Err(error) = ctx.stores().commit(ops).await {
        return Err(match error {
            PortError::Conflict { op_index: Some(i) } => match roles.get(i) {
                Some(ProfileOp::UsernameGuard) => taken("username"),
                Some(ProfileOp::EmailGuard) => taken("email"),
                _ => ProfileError::Concurrent,
            },
            PortError::Conflict { op_index: None } => ProfileError::Concurrent,
            other => other.into(),
        });
    }
    let updated = ctx.stores().customers.get(id).await?.ok_or_else(|| ProfileError::NotFound(id.clone()))?;
    Ok(updated)
}

fn taken(field: &str) -> ProfileError {
    let mut errors = FieldErrors::new();
    add_error(&mut errors, field, "has already been taken");
    ProfileError::Taken(errors)
}
