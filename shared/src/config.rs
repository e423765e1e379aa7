//! Configuration from the environment, read once per cold start.

use crate::adapters::aws::{LambdaWorkerPool, QueueUrls};
use crate::domain::Priority;
use crate::services::cache::StoreName;
use std::collections::BTreeMap;

/// Where the AWS backend lives. Set by the SAM template in Lambda; by the test harness against emulators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsSettings {
    /// `TABLE_NAME`.
    pub table_name: String,
    /// `REDIS_URL`, e.g. `redis://host:6379/0` (`rediss://` for ElastiCache in-transit encryption).
    pub redis_url: String,
    /// `REDIS_AUTH_SECRET`: the Secrets Manager secret (ARN or name) holding the AUTH token of every Redis
    /// here; unset: none (or the one a URL carries).
    pub redis_auth: Option<SecretSetting>,
    /// `REDIS_TLS_CA_FILE`: a PEM file of the certificate authorities a `rediss://` server's certificate must
    /// chain to, for a self-managed Redis with its own CA; unset: Amazon Trust Services' (ElastiCache's).
    pub redis_ca_file: Option<String>,
    /// `CACHE_PREFIX` (default empty): namespaces keys when environments share a Redis.
    pub cache_prefix: String,
    /// `REDIS_SESSIONS_URL`, `REDIS_ANALYTICS_URL`: the cache stores with a Redis of their own; a store not
    /// here uses `redis_url`.
    pub store_urls: BTreeMap<StoreName, String>,
    /// `QUEUE_URL_HIGH`, `QUEUE_URL_HIGH_DLQ`, ... one per queue.
    pub queue_urls: QueueUrls,
    /// `PANEL_USERNAME`: the X-UI panels' API account.
    pub panel_username: String,
    /// `PANEL_PASSWORD_SECRET` (the Secrets Manager secret holding it) or, in a local run, `PANEL_PASSWORD`.
    pub panel_password: SecretSetting,
    /// `PANEL_SCHEME` (default `https`).
    pub panel_scheme: String,
    /// `WORKER_MAPPING_HIGH`, ...: the queue worker's event source mapping per queue (UUIDs), for the functions
    /// that read or set its concurrency; other functions have none.
    pub worker_mappings: BTreeMap<Priority, String>,
    /// `PUSHER_APP_KEY` with `PUSHER_APP_SECRET_ARN` (the Secrets Manager secret) or, in a local run,
    /// `PUSHER_APP_SECRET`: the real-time API's app credentials; unset: channel authorisation is unavailable.
    pub channels_app: Option<ChannelsAppSettings>,
}

/// The Pusher app's key (public: clients name it) and where its secret is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelsAppSettings {
    pub key: String,
    pub secret: SecretSetting,
}

impl ChannelsAppSettings {
    fn from_env() -> Option<Self> {
        let secret = match optional("PUSHER_APP_SECRET_ARN") {
            Some(id) => SecretSetting::SecretsManager(id),
            None => SecretSetting::Value(optional("PUSHER_APP_SECRET")?),
        };
        Some(Self { key: optional("PUSHER_APP_KEY")?, secret })
    }
}

/// Where a secret's value is found.
#[derive(Clone, PartialEq, Eq)]
pub enum SecretSetting {
    /// The value itself (a local run's environment).
    Value(String),
    /// A Secrets Manager secret's ARN or name, read on first use.
    SecretsManager(String),
}

impl std::fmt::Debug for SecretSetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Value(_) => f.write_str("Value(<redacted>)"),
            Self::SecretsManager(id) => f.debug_tuple("SecretsManager").field(id).finish(),
        }
    }
}

/// A required environment variable was missing.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(pub String);

/// A variable that is set and not empty (the template sets optional ones to "" when not given).
fn optional(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}

fn required(name: &str) -> Result<String, ConfigError> {
    std::env::var(name).map_err(|_| ConfigError(format!("environment variable {name} is not set")))
}

impl AwsSettings {
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: required("TABLE_NAME")?,
            redis_url: required("REDIS_URL")?,
            redis_auth: optional("REDIS_AUTH_SECRET").map(SecretSetting::SecretsManager),
            redis_ca_file: optional("REDIS_TLS_CA_FILE"),
            cache_prefix: std::env::var("CACHE_PREFIX").unwrap_or_default(),
            store_urls: StoreName::ALL
                .into_iter()
                .filter_map(|store| Some((store, optional(store.url_variable())?)))
                .collect(),
            queue_urls: QueueUrls::from_env().map_err(ConfigError)?,
            panel_username: std::env::var("PANEL_USERNAME").unwrap_or_default(),
            panel_password: match optional("PANEL_PASSWORD_SECRET") {
                Some(id) => SecretSetting::SecretsManager(id),
                None => SecretSetting::Value(std::env::var("PANEL_PASSWORD").unwrap_or_default()),
            },
            panel_scheme: std::env::var("PANEL_SCHEME").unwrap_or_else(|_| "https".into()),
            worker_mappings: LambdaWorkerPool::mappings_from_env(),
            channels_app: ChannelsAppSettings::from_env(),
        })
    }
}

/// The alert e-mail channel: `ALERT_EMAIL_FROM` (a verified SES identity), `ALERT_EMAIL_TO` (the admins'
/// addresses, comma-separated) and `ALERT_EMAIL_WINDOW_SECONDS` (at most one e-mail per address per window;
/// 60 to 900, default 300). Off when the sender or the addresses are empty; an address that is not one is left
/// out, said in the log (a typo must not stop the worker that runs every other job).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertMailSettings {
    pub from: String,
    pub recipients: Vec<String>,
    pub window: std::time::Duration,
}

impl AlertMailSettings {
    pub fn from_env() -> Option<Self> {
        let mut settings = Self::parse(optional("ALERT_EMAIL_FROM"), optional("ALERT_EMAIL_TO"))?;
        if let Some(seconds) = optional("ALERT_EMAIL_WINDOW_SECONDS") {
            match seconds.trim().parse::<u64>() {
                Ok(seconds) => settings.window = std::time::Duration::from_secs(seconds.clamp(60, 900)),
                Err(_) => tracing::error!(seconds, "ALERT_EMAIL_WINDOW_SECONDS: not a number of seconds, 300 kept"),
            }
        }
        Some(settings)
    }

    pub fn parse(from: Option<String>, to: Option<String>) -> Option<Self> {
        let from = from?.trim().to_owned();
        let mut recipients = Vec::new();
        for address in to?.split(',').map(str::trim).filter(|a| !a.is_empty()) {
            let looks_like_address = address.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && domain.contains('.') && !address.contains(char::is_whitespace)
            });
            if !looks_like_address {
                tracing::error!(address, "ALERT_EMAIL_TO: not an e-mail address, left out");
            } else if !recipients.iter().any(|r: &String| r.eq_ignore_ascii_case(address)) {
                recipients.push(address.to_owned());
            }
        }
        let window = crate::services::alert_mail::MAIL_WINDOW;
        (!from.is_empty() && !recipients.is_empty()).then_some(Self { from, recipients, window })
    }
}

#[cfg(test)]
mod tests {
    use super::AlertMailSettings;

    #[test]
    fn alert_mail_needs_a_sender_and_an_address_and_leaves_out_what_is_not_one() {
        let parse =
            |from: Option<&str>, to: Option<&str>| AlertMailSettings::parse(from.map(Into::into), to.map(Into::into));
        assert_eq!(parse(None, Some("ops@example.com")), None);
        assert_eq!(parse(Some("alerts@example.com"), None), None);
        assert_eq!(parse(Some("alerts@example.com"), Some("ops, @x.y, a b@c.d")), None);
        let settings =
            parse(Some(" alerts@example.com "), Some("ops@example.com, oops, OPS@example.com ,lead@example.org"));
        assert_eq!(
            settings,
            Some(AlertMailSettings {
                from: "alerts@example.com".into(),
                recipients: vec!["ops@example.com".into(), "lead@example.org".into()],
                window: std::time::Duration::from_secs(300),
            })
        );
    }
}
