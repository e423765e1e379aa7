//! Dev tokens: HS256 JWTs signed with a local secret, standing in for Cognito's. The local server verifies
//! them as API Gateway's JWT authorizer verifies Cognito's (signature, expiry) and passes their claims on in
//! the same flattened form. Never used outside the local run.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// Overridable with `LOCAL_JWT_SECRET`; it only guards a server bound to 127.0.0.1.
pub const DEFAULT_SECRET: &str = "1000proxy-local-development-only";
pub const ISSUER: &str = "1000proxy-local";

pub fn secret() -> String {
    std::env::var("LOCAL_JWT_SECRET").unwrap_or_else(|_| DEFAULT_SECRET.to_owned())
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    #[serde(rename = "cognito:groups", default, skip_serializing_if = "Vec::is_empty")]
    groups: Vec<String>,
    iss: String,
    iat: i64,
    exp: i64,
    token_use: String,
}

pub fn issue(subject: &str, groups: &[&str], hours: i64, now: i64, secret: &str) -> Result<String, String> {
    let claims = Claims {
        sub: subject.to_owned(),
        groups: groups.iter().map(|g| (*g).to_owned()).collect(),
        iss: ISSUER.into(),
        iat: now,
        exp: now + hours * 3600,
        token_use: "access".into(),
    };
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(secret.as_bytes()))
        .map_err(|e| e.to_string())
}

/// The verified claims of a bearer token, as JSON (so every claim passes through, as with API Gateway).
pub fn verify(token: &str, secret: &str) -> Result<serde_json::Map<String, serde_json::Value>, String> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_issuer(&[ISSUER]);
    validation.set_required_spec_claims(&["exp", "sub", "iss"]);
    let data = jsonwebtoken::decode::<serde_json::Map<String, serde_json::Value>>(
        token,
        &DecodingKey::from_secret(secret.as_bytes()),
        &validation,
    )
    .map_err(|e| e.to_string())?;
    Ok(data.claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_tokens_verify_and_carry_their_groups() {
        let now = chrono::Utc::now().timestamp();
        let token = issue("admin-1", &["admin"], 1, now, "s").unwrap();
        let claims = verify(&token, "s").unwrap();
        assert_eq!(claims["sub"], "admin-1");
        assert_eq!(claims["cognito:groups"], serde_json::json!(["admin"]));
        assert!(verify(&token, "other").is_err(), "wrong secret");
        let expired = issue("x", &[], -2, now, "s").unwrap();
        assert!(verify(&expired, "s").is_err(), "expired");
    }
}
