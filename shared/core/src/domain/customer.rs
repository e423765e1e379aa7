use super::{CustomerId, Money};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ThemeMode {
    Light,
    Dark,
    #[default]
    System,
}

/// Loyalty tier from paid spend; thresholds are pricing rules, not part of the type.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum LoyaltyTier {
    #[default]
    Basic,
    Bronze,
    Silver,
    Gold,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    pub id: CustomerId,
    pub name: String,
    pub username: String,
    pub email: String,
    pub phone: Option<String>,
    pub locale: String,
    /// IANA zone name, e.g. `Europe/Paris`.
    pub timezone: String,
    /// ISO 3166-1 alpha-2 code of where the customer is, when they told us: pricing's geography factor.
    #[serde(default)]
    pub country: Option<String>,
    pub theme_mode: ThemeMode,
    pub email_notifications: bool,
    /// Sum of paid orders, kept by checkout. The loyalty tier is not stored: the pricing rules derive it from
    /// this at each quote, so a change of thresholds applies to everyone at once.
    pub total_paid: Money,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub suspended_at: Option<DateTime<Utc>>,
}

/// What a valid profile update changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileChanges {
    pub name: Option<String>,
    pub username: Option<String>,
    pub email: Option<String>,
    /// `Some(None)` removes the phone number.
    pub phone: Option<Option<String>>,
    pub locale: Option<String>,
    pub timezone: Option<String>,
    pub country: Option<String>,
    pub theme_mode: Option<ThemeMode>,
    pub email_notifications: Option<bool>,
}
