//! Secrets — the panels' password, Redis's AUTH token — read from AWS Secrets Manager on first use and kept for
//! the instance: a cold start's init makes no network call for them, and a warm instance makes none at all.

use futures_util::FutureExt;
use futures_util::future::{BoxFuture, Shared};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long one read of a secret may take, the SDK's own retries (with backoff) included.
const READ_LIMIT: Duration = Duration::from_secs(5);

/// A secret's value, or why it could not be had.
type Read = Result<Arc<str>, Arc<str>>;

/// Where a secret's value comes from.
#[derive(Clone)]
pub enum SecretSource {
    /// The value itself: the local run, the tests, or a deployment that sets it in the environment.
    Value(Arc<str>),
    /// A Secrets Manager secret (its ARN or name) whose `SecretString` is the value.
    SecretsManager { client: aws_sdk_secretsmanager::Client, id: String },
}

impl std::fmt::Debug for SecretSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Value(_) => f.write_str("Value(<redacted>)"),
            Self::SecretsManager { id, .. } => f.debug_struct("SecretsManager").field("id", id).finish(),
        }
    }
}

/// A secret read once per instance. Clones share the value and the read in flight.
#[derive(Clone, Debug)]
pub struct Secret {
    source: SecretSource,
    read: Arc<Mutex<Option<Shared<BoxFuture<'static, Read>>>>>,
}

impl Secret {
    pub fn value(value: impl Into<Arc<str>>) -> Self {
        Self::from_source(SecretSource::Value(value.into()))
    }

    pub fn secrets_manager(client: aws_sdk_secretsmanager::Client, id: impl Into<String>) -> Self {
        Self::from_source(SecretSource::SecretsManager { client, id: id.into() })
    }

    fn from_source(source: SecretSource) -> Self {
        Self { source, read: Arc::default() }
    }

    /// The secret's value. The first call starts the read as a task of its own, so a caller that gives up
    /// waiting (its own deadline passed) does not cancel it; later callers share it, and after a failed read the
    /// next call reads again.
    pub async fn get(&self) -> Result<Arc<str>, String> {
        let (client, id) = match &self.source {
            SecretSource::Value(value) => return Ok(value.clone()),
            SecretSource::SecretsManager { client, id } => (client, id),
        };
        let read = {
            let mut slot = self.read.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            match &*slot {
                Some(read) if !matches!(read.peek(), Some(Err(_))) => read.clone(),
                _ => {
                    let task = tokio::spawn(read_secret(client.clone(), id.clone()));
                    let read = async move { task.await.unwrap_or_else(|_| Err("the secret's read stopped".into())) }
                        .boxed()
                        .shared();
                    *slot = Some(read.clone());
                    read
                }
            }
        };
        read.await.map_err(|reason| reason.to_string())
    }

    /// Forgets the value read: the server refused it (the secret was rotated since), so the next `get` reads the
    /// secret again. A value given as such has nothing to read again.
    pub fn forget(&self) {
        *self.read.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
    }
}

async fn read_secret(client: aws_sdk_secretsmanager::Client, id: String) -> Read {
    let call = client.get_secret_value().secret_id(&id).send();
    let answer = match tokio::time::timeout(READ_LIMIT, call).await {
        Err(_) => return Err(format!("secret {id}: not read within {} s", READ_LIMIT.as_secs()).into()),
        Ok(Err(error)) => {
            let error = aws_sdk_secretsmanager::error::DisplayErrorContext(error);
            return Err(format!("secret {id}: {error}").into());
        }
        Ok(Ok(answer)) => answer,
    };
    match answer.secret_string {
        Some(value) if !value.is_empty() => Ok(value.into()),
        _ => Err(format!("secret {id} has no string value").into()),
    }
}
