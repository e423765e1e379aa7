//! What an endpoint reads of a request: the body as text, path parameters, the query and the
//! `Idempotency-Key` header, each checked once here so every endpoint rejects the same bad input the same way.
//! The Lambda edge fills it from API Gateway's event.

use crate::ApiError;
use std::collections::HashMap;

/// The longest idempotency key accepted (the store keeps it inside a key attribute).
pub const MAX_IDEMPOTENCY_KEY: usize = 255;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiRequest {
    /// The matched route's path parameters (`{id}` -> `id`).
    pub path_parameters: HashMap<String, String>,
    /// The query string parameters (one value per name: the last, when a name repeats).
    pub query: HashMap<String, String>,
    /// The headers, names in lower case, the first value of a repeated one; a value that is not text is read
    /// lossily. The caller's credentials (`authorization`, `cookie`) are not here: the edge has read the caller.
    pub headers: HashMap<String, String>,
    /// The body as sent (API Gateway's base64 already decoded).
    pub body: Vec<u8>,
}

/// The longest id a path may name: every id the system makes (UUIDs, `provision:<uuid>`, SQS message ids) is
/// far shorter.
pub const MAX_ID_LENGTH: usize = 128;

fn is_plausible_id(id: &str) -> bool {
    id.len() <= MAX_ID_LENGTH && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:@+".contains(&b))
}

impl ApiRequest {
    /// The body as UTF-8 text; an absent or blank body reads as `{}` so that "nothing sent" gets per-field
    /// errors.
    pub fn body_text(&self) -> Result<&str, ApiError> {
        let text = std::str::from_utf8(&self.body).map_err(|_| ApiError::bad_request("The body is not UTF-8 text."))?;
        Ok(if text.trim().is_empty() { "{}" } else { text })
    }

    /// A path parameter of the matched route. API Gateway only routes a request when every parameter is
    /// present, so a missing one means the route table and the template disagree: answered as not found, logged.
    /// An id no record can have — longer than `MAX_ID_LENGTH`, or with characters outside letters, digits and
    /// `-_.:@+` — is not found either, without reaching the store (DynamoDB refuses a key over 2 KB with an
    /// error, not an empty answer).
    pub fn path_param(&self, name: &str) -> Result<String, ApiError> {
        match self.path_parameters.get(name).filter(|v| !v.is_empty()) {
            Some(value) if is_plausible_id(value) => Ok(value.to_owned()),
            Some(_) => Err(ApiError::not_found("Resource")),
            None => {
                tracing::error!(parameter = name, "path parameter missing from the event");
                Err(ApiError::not_found("Resource"))
            }
        }
    }

    /// The query string parameters.
    pub fn query(&self) -> &HashMap<String, String> {
        &self.query
    }

    /// The `Idempotency-Key` header: absent, or 1..=255 visible ASCII characters (400 otherwise).
    pub fn idempotency_key(&self) -> Result<Option<String>, ApiError> {
        let Some(value) = self.headers.get("idempotency-key") else {
            return Ok(None);
        };
        let key = value.trim();
        if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ApiError::new(
                400,
                "invalid_idempotency_key",
                format!("The Idempotency-Key header must be 1 to {MAX_IDEMPOTENCY_KEY} visible ASCII characters."),
            ));
        }
        Ok(Some(key.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_key(key: &str) -> ApiRequest {
        ApiRequest { headers: HashMap::from([("idempotency-key".to_owned(), key.to_owned())]), ..Default::default() }
    }

    #[test]
    fn idempotency_keys_are_visible_ascii_of_bounded_length() {
        assert_eq!(with_key("order-1").idempotency_key().unwrap().as_deref(), Some("order-1"));
        assert!(with_key(&"k".repeat(255)).idempotency_key().is_ok());
        for bad in ["", "   ", "has space", &"k".repeat(256), "caf\u{e9}", "\u{fffd}"] {
            let error = with_key(bad).idempotency_key().unwrap_err();
            assert_eq!((error.status, error.code), (400, "invalid_idempotency_key"), "{bad:?}");
        }
        assert_eq!(ApiRequest::default().idempotency_key().unwrap(), None);
    }

    #[test]
    fn an_empty_or_blank_body_reads_as_an_empty_object_and_bytes_that_are_not_text_are_refused() {
        assert_eq!(ApiRequest::default().body_text().unwrap(), "{}");
        let blank = ApiRequest { body: b" \n".to_vec(), ..Default::default() };
        assert_eq!(blank.body_text().unwrap(), "{}");
        let object = ApiRequest { body: b"{\"a\":1}".to_vec(), ..Default::default() };
        assert_eq!(object.body_text().unwrap(), "{\"a\":1}");
        let binary = ApiRequest { body: vec![0xff, 0xfe], ..Default::default() };
        assert_eq!(binary.body_text().unwrap_err().status, 400);
    }

    #[test]
    fn a_missing_path_parameter_is_a_not_found() {
        let request =
            ApiRequest { path_parameters: HashMap::from([("id".into(), "o-1".into())]), ..Default::default() };
        assert_eq!(request.path_param("id").unwrap(), "o-1");
        assert_eq!(request.path_param("other").unwrap_err().status, 404);
        for (id, plausible) in [
            ("7d6b1a52-2f7e-4c4e-9a55-3c1f0e2b9a10", true),
            ("provision:o-1", true),
            ("message:3f1c.a_b+c@d", true),
            (&*"x".repeat(MAX_ID_LENGTH), true),
            (&*"x".repeat(MAX_ID_LENGTH + 1), false),
            ("a/b", false),
            ("a b", false),
            ("<script>", false),
            ("é", false),
        ] {
            assert_eq!(is_plausible_id(id), plausible, "{id}");
        }
    }
}
