//! Cognito user pool triggers: the pool's event turned into the context's call, and the event handed back (a
//! pool waits for its trigger's event in return; an error stops what the user was doing, with its message).

use crate::app::AppContext;
use aws_lambda_events::cognito::CognitoEventUserPoolsPostConfirmation;
use orders::profile::{RegisterError, Registration, register};
use proxy_core::domain::CustomerId;

/// `SIGNUP_CONFIRMED`: the confirmed user's profile and empty wallet, from their attributes (`sub`, `email`,
/// `name`, `locale`, `zoneinfo`, `phone_number`) and user name. Also run when a user who confirmed before the
/// trigger was attached resets a password, which makes their missing profile then.
pub async fn signup_confirmed(ctx: &AppContext, event: serde_json::Value) -> Result<serde_json::Value, String> {
    let confirmed: CognitoEventUserPoolsPostConfirmation =
        serde_json::from_value(event.clone()).map_err(|e| format!("not a post-confirmation event: {e}"))?;
    let attributes = &confirmed.request.user_attributes;
    let attribute = |name: &str| attributes.get(name).cloned().filter(|value| !value.is_empty());
    let subject = attribute("sub").ok_or("the user has no sub attribute")?;
    let registration = Registration {
        customer_id: CustomerId(subject.clone()),
        username: confirmed.cognito_event_user_pools_header.user_name.clone().unwrap_or(subject),
        email: attribute("email").unwrap_or_default(),
        name: attribute("name"),
        locale: attribute("locale"),
        time_zone: attribute("zoneinfo"),
        phone: attribute("phone_number"),
    };
    match register(ctx, &registration).await {
        Ok(outcome) => {
            tracing::info!(customer_id = %registration.customer_id, ?outcome, "sign-up confirmed");
            // Handed back as it came: the pool reads its `response`, which this trigger does not set.
            Ok(event)
        }
        // What Cognito shows the user: the reason in words, nothing internal.
        Err(RegisterError::EmailTaken) => {
            // The user is confirmed all the same (Cognito confirmed before calling): they are told on every call
            // that their profile is missing, and support resolves it.
            tracing::error!(customer_id = %registration.customer_id, "sign-up without a profile: the e-mail is another customer's");
            Err("This e-mail is already registered to another account; contact support to link it.".into())
        }
        Err(RegisterError::UsernameTaken) => Err("This username is already registered to another account.".into()),
        Err(RegisterError::Missing(what)) => Err(format!("Sign-up needs an {what}.")),
        Err(RegisterError::Port(error)) => {
            tracing::error!(customer_id = %registration.customer_id, %error, "sign-up not recorded");
            Err("Your account could not be set up just now; please try again in a minute.".into())
        }
    }
}
