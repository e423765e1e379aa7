//! The one response envelope. Success: `{success: true, data, request_id}`. Error:
//! `{success: false, message, error_code, request_id, timestamp, errors?}` where `errors` (422 only) maps each
//! field to its messages. Messages are written for callers; internals go to the log, never the response.

use proxy_core::error::PortError;
pub use proxy_core::validation::FieldErrors;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    pub errors: Option<FieldErrors>,
    /// Extra top-level fields (e.g. `required_amount` for a short wallet).
    pub extra: serde_json::Map<String, serde_json::Value>,
    /// Seconds, for 429 and 503.
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), errors: None, extra: Default::default(), retry_after: None }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "bad_request", message)
    }

    pub fn unauthenticated() -> Self {
        Self::new(401, "unauthenticated", "Authentication is required.")
    }

    pub fn forbidden() -> Self {
        Self::new(403, "forbidden", "You do not have permission to do this.")
    }

    /// The caller is signed in but has no customer profile: it is made when the sign-up is confirmed.
    pub fn profile_missing() -> Self {
        Self::new(
            403,
            "profile_missing",
            "This account has no customer profile yet: it is created when the sign-up is confirmed. Confirm your \
             sign-up (the code sent by e-mail) and try again; if you have, contact support.",
        )
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(404, "not_found", format!("{what} not found."))
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(409, "conflict", message)
    }

    pub fn validation(errors: FieldErrors) -> Self {
        Self { errors: Some(errors), ..Self::new(422, "validation_failed", "The given data was invalid.") }
    }

    pub fn too_many_requests(retry_after: u64) -> Self {
        Self { retry_after: Some(retry_after), ..Self::new(429, "too_many_requests", "Too many requests.") }
    }

    pub fn internal() -> Self {
        Self::new(500, "internal_error", "Something went wrong on our side.")
    }

    pub fn unavailable() -> Self {
        Self {
            retry_after: Some(5),
            ..Self::new(503, "service_unavailable", "A backend service is unavailable; try again shortly.")
        }
    }

    pub fn with_field(mut self, name: &str, value: impl Serialize) -> Self {
        self.extra.insert(name.to_owned(), serde_json::to_value(value).unwrap_or_default());
        self
    }

    /// The error envelope's body. (The status and the `retry-after` header are the response's, from the
    /// fields above.)
    pub fn body(self, request_id: &str, now: chrono::DateTime<chrono::Utc>) -> serde_json::Value {
        let mut body = serde_json::Map::new();
        body.insert("success".into(), false.into());
        body.insert("message".into(), self.message.into());
        body.insert("error_code".into(), self.code.into());
        body.insert("request_id".into(), request_id.into());
        body.insert("timestamp".into(), now.to_rfc3339().into());
        if let Some(errors) = self.errors {
            body.insert("errors".into(), serde_json::to_value(errors).unwrap_or_default());
        }
        body.extend(self.extra);
        serde_json::Value::Object(body)
    }
}

/// A backend failure seen by an endpoint: logged in full, answered without internals.
impl From<PortError> for ApiError {
    fn from(error: PortError) -> Self {
        match &error {
            PortError::Timeout { .. } | PortError::Unavailable { .. } => {
                tracing::error!(error = %error, "backend unavailable");
                ApiError::unavailable()
            }
            PortError::Conflict { .. } => {
                tracing::warn!(error = %error, "unexpected write conflict");
                ApiError::conflict("The resource changed while this request ran; try again.")
            }
            PortError::Corrupt { .. } | PortError::Invalid { .. } => {
                tracing::error!(error = %error, "backend error");
                ApiError::internal()
            }
        }
    }
}

#[derive(Serialize)]
struct Success<'a, T> {
    success: bool,
    data: &'a T,
    request_id: &'a str,
}

/// The success envelope around an endpoint's value.
pub fn success_body<'a, T: Serialize>(data: &'a T, request_id: &'a str) -> impl Serialize + 'a {
    Success { success: true, data, request_id }
}
