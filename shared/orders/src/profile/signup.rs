//! A customer comes into existence: when Cognito confirms a sign-up, the profile and an empty wallet are made
//! from the user's attributes, in one transaction with the username's and e-mail's uniqueness guards.
//!
//! Cognito runs the post-confirmation trigger after it has confirmed the user, and retries it when it fails or is
//! slow: registering twice is answered as registered once (the profile's put is conditioned on its absence, and a
//! conflict with the profile there means an earlier attempt made it). An error cannot undo the confirmation, so
//! registering gives way where it can: a username another customer holds gets the subject's first characters
//! appended. An e-mail another customer holds cannot be given way on (it is their address): that user is left
//! without a profile, told so on every call (`profile_missing`), for support to resolve.

use super::ProfileEnv;
use super::requests::LOCALES;
use proxy_core::domain::{Customer, CustomerFact, CustomerId, ThemeMode, Wallet};
use proxy_core::error::PortError;
use rust_decimal::Decimal;

/// The currency a new wallet holds (checkout charges in the wallet's currency).
pub const WALLET_CURRENCY: &str = "USD";

/// What the identity provider says of a new user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    /// The user's subject (`sub`): the id every token of theirs carries.
    pub customer_id: CustomerId,
    pub username: String,
    pub email: String,
    pub name: Option<String>,
    pub locale: Option<String>,
    /// `zoneinfo`: kept when it is an IANA zone name, otherwise UTC.
    pub time_zone: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registered {
    Created,
    /// An earlier attempt (a retried trigger) made it.
    AlreadyRegistered,
}

#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    #[error("the e-mail is already another customer's")]
    EmailTaken,
    #[error("the username and its suffixed form are other customers'")]
    UsernameTaken,
    #[error("the user has no {0}")]
    Missing(&'static str),
    #[error(transparent)]
    Port(#[from] PortError),
}

platform::env!(
    /// What a sign-up needs: the profile's repositories and the queue its analytics fact goes to.
    SignUpEnv: ProfileEnv, platform::deps::HasQueue
);

/// Makes the profile and the empty wallet of a newly confirmed user, once.
pub async fn register(ctx: &impl SignUpEnv, registration: &Registration) -> Result<Registered, RegisterError> {
    if registration.email.trim().is_empty() {
        return Err(RegisterError::Missing("e-mail"));
    }
    if registration.username.trim().is_empty() {
        return Err(RegisterError::Missing("username"));
    }
    let now = ctx.clock().now();
    let email = registration.email.trim().to_lowercase();
    let locale = registration.locale.as_deref().map(|l| l.split(['-', '_']).next().unwrap_or(l).to_lowercase());
    let customer = Customer {
        id: registration.customer_id.clone(),
        name: registration
            .name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| email.split('@').next().unwrap_or(&email).to_owned()),
        username: registration.username.trim().to_owned(),
        email,
        phone: registration.phone.clone().filter(|p| !p.is_empty()),
        locale: locale.filter(|l| LOCALES.contains(&l.as_str())).unwrap_or_else(|| "en".into()),
        timezone: registration
            .time_zone
            .clone()
            .filter(|zone| proxy_core::time_zone::is_time_zone(zone))
            .unwrap_or_else(|| "UTC".into()),
        country: None,
        theme_mode: ThemeMode::default(),
        email_notifications: true,
        total_paid: Decimal::ZERO,
        created_at: now,
        last_login_at: None,
        suspended_at: None,
    };
    let wallet = Wallet {
        customer_id: customer.id.clone(),
        balance: Decimal::ZERO,
        currency: WALLET_CURRENCY.into(),
        updated_at: now,
    };
    let suffixed = format!("{}-{}", customer.username, customer.id.as_str().chars().take(8).collect::<String>());
    for username in [customer.username.clone(), suffixed] {
        let customer = Customer { username, ..customer.clone() };
        let mut ops = ctx.stores().customers.create_ops(&customer)?;
        ops.push(ctx.stores().wallets.open_op(&wallet)?);
        match ctx.stores().commit(ops).await {
            Ok(()) => {
                tracing::info!(customer_id = %customer.id, username = customer.username, "customer registered: profile and wallet");
                platform::events::record_sign_up(ctx, &CustomerFact::of(&customer)).await;
                return Ok(Registered::Created);
            }
            Err(PortError::Conflict { op_index }) => {
                if ctx.stores().customers.get(&customer.id).await?.is_some() {
                    return Ok(Registered::AlreadyRegistered);
                }
                match op_index {
                    // The username is another customer's: try the suffixed one.
                    Some(1) => continue,
                    Some(2) => return Err(RegisterError::EmailTaken),
                    // Cancelled by a concurrent transaction on the same items (another attempt of this sign-up,
                    // or someone else's for the same name): the retry decides.
                    _ => return Err(PortError::Conflict { op_index: None }.into()),
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    // The suffixed username taken too (only by someone choosing it on purpose): a retry cannot do better.
    Err(RegisterError::UsernameTaken)
}
