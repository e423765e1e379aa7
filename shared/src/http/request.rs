//! Reading the parts of a request that handlers need: the body as text, path parameters, the query and the
//! `Idempotency-Key` header, each checked once here so every endpoint rejects the same bad input the same way.

use super::ApiError;
use lambda_http::{Body, Request, RequestExt};
use std::collections::HashMap;

/// The longest idempotency key accepted (the store keeps it inside a key attribute).
pub const MAX_IDEMPOTENCY_KEY: usize = 255;

/// The body as UTF-8 text; an absent body reads as `{}` so that "nothing sent" gets per-field errors.
pub fn body_text(request: &Request) -> Result<&str, ApiError> {
    match request.body() {
        Body::Empty => Ok("{}"),
        Body::Text(text) if text.trim().is_empty() => Ok("{}"),
        Body::Text(text) => Ok(text),
        Body::Binary(bytes) => {
            std::str::from_utf8(bytes).map_err(|_| ApiError::bad_request("The body is not UTF-8 text."))
        }
        _ => Ok("{}"),
    }
}

/// A path parameter of the matched route. API Gateway only routes a request when every parameter is present,
/// so a missing one means the route table and the template disagree: answered as not found, logged.
pub fn path_param(request: &Request, name: &str) -> Result<String, ApiError> {
    match request.path_parameters_ref().and_then(|p| p.first(name)).filter(|v| !v.is_empty()) {
        Some(value) => Ok(value.to_owned()),
        None => {
            tracing::error!(parameter = name, "path parameter missing from the event");
            Err(ApiError::not_found("Resource"))
        }
    }
}

/// The query string parameters (the first value of each).
pub fn query(request: &Request) -> HashMap<String, String> {
    let params = request.query_string_parameters();
    params.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect()
}

/// The `Idempotency-Key` header: absent, or 1..=255 visible ASCII characters (400 otherwise).
pub fn idempotency_key(request: &Request) -> Result<Option<String>, ApiError> {
    let Some(value) = request.headers().get("idempotency-key") else {
        return Ok(None);
    };
    let invalid = || {
        ApiError::new(
            400,
            "invalid_idempotency_key",
            format!("The Idempotency-Key header must be 1 to {MAX_IDEMPOTENCY_KEY} visible ASCII characters."),
        )
    };
    let key = value.to_str().map_err(|_| invalid())?.trim();
    if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(invalid());
    }
    Ok(Some(key.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::apigw::HttpEvent;

    fn request_with_key(key: &str) -> Request {
        let mut event = HttpEvent::new("POST", "/api/orders");
        event.headers.insert("idempotency-key".into(), key.into());
        event.to_request(chrono::Utc::now()).unwrap()
    }

    #[test]
    fn idempotency_keys_are_visible_ascii_of_bounded_length() {
        assert_eq!(idempotency_key(&request_with_key("order-1")).unwrap().as_deref(), Some("order-1"));
        assert!(idempotency_key(&request_with_key(&"k".repeat(255))).is_ok());
        for bad in ["", "   ", "has space", &"k".repeat(256)] {
            let error = idempotency_key(&request_with_key(bad)).unwrap_err();
            assert_eq!((error.status, error.code), (400, "invalid_idempotency_key"), "{bad:?}");
        }
        let none = HttpEvent::new("POST", "/api/orders").to_request(chrono::Utc::now()).unwrap();
        assert_eq!(idempotency_key(&none).unwrap(), None);
    }

    #[test]
    fn an_empty_body_reads_as_an_empty_object() {
        let request = HttpEvent::new("POST", "/api/orders").to_request(chrono::Utc::now()).unwrap();
        assert_eq!(body_text(&request).unwrap(), "{}");
        let request =
            HttpEvent::new("POST", "/api/orders").with_body("{\"a\":1}").to_request(chrono::Utc::now()).unwrap();
        assert_eq!(body_text(&request).unwrap(), "{\"a\":1}");
    }
}
