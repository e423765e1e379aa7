//! Who is calling. API Gateway's JWT authorizer has already verified the token; its claims arrive in the
//! request context (the Lambda edge reads them from there). An HTTP API passes array claims as one string, bracketed and space-separated:
//! `"cognito:groups": "[admin support]"`. A single-group token may arrive as the bare value `"admin"`.

use crate::ApiError;
use std::collections::HashMap;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Any authenticated caller; their `sub` is the customer id.
    Customer,
    /// A member of the `admin` group.
    Admin,
}

pub const ADMIN_GROUP: &str = "admin";
pub const GROUPS_CLAIM: &str = "cognito:groups";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The `sub` claim.
    pub subject: String,
    pub groups: Vec<String>,
}

/// Parses a claim API Gateway flattened from an array: `[a b c]`, or a plain `a`.
pub fn parse_array_claim(value: &str) -> Vec<String> {
    let trimmed = value.trim();
    let inner = trimmed.strip_prefix('[').and_then(|v| v.strip_suffix(']')).unwrap_or(trimmed);
    inner.split([' ', ',']).map(str::trim).filter(|g| !g.is_empty()).map(str::to_owned).collect()
}

impl Identity {
    pub fn from_claims(claims: &HashMap<String, String>) -> Option<Identity> {
        let subject = claims.get("sub").filter(|s| !s.is_empty())?.clone();
        let groups = claims.get(GROUPS_CLAIM).map(|g| parse_array_claim(g)).unwrap_or_default();
        Some(Identity { subject, groups })
    }

    /// The caller of a public route who sent no token.
    pub fn anonymous() -> Identity {
        Identity { subject: String::new(), groups: Vec::new() }
    }

    pub fn is_admin(&self) -> bool {
        self.groups.iter().any(|g| g == ADMIN_GROUP)
    }

    /// 401 without an identity, 403 when the route needs admin and the caller is not.
    pub fn authorize(caller: Option<Identity>, role: Role) -> Result<Identity, ApiError> {
        let identity = caller.ok_or_else(ApiError::unauthenticated)?;
        if role == Role::Admin && !identity.is_admin() {
            return Err(ApiError::forbidden());
        }
        Ok(identity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_gateway_array_claims_are_parsed() {
        assert_eq!(parse_array_claim("[admin support]"), ["admin", "support"]);
        assert_eq!(parse_array_claim("[admin]"), ["admin"]);
        assert_eq!(parse_array_claim("admin"), ["admin"]);
        assert_eq!(parse_array_claim("[]"), Vec::<String>::new());
        assert_eq!(parse_array_claim(" [a,b] "), ["a", "b"]);
    }

    #[test]
    fn identity_needs_a_subject_and_admin_needs_the_exact_group() {
        let claims = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
            pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
        };
        assert_eq!(Identity::from_claims(&claims(&[("cognito:groups", "[admin]")])), None);
        let admin = Identity::from_claims(&claims(&[("sub", "u1"), ("cognito:groups", "[support admin]")])).unwrap();
        assert!(admin.is_admin());
        let not_admin =
            Identity::from_claims(&claims(&[("sub", "u2"), ("cognito:groups", "[administrators]")])).unwrap();
        assert!(!not_admin.is_admin());
        let customer = Identity::from_claims(&claims(&[("sub", "u3")])).unwrap();
        assert!(customer.groups.is_empty());
    }
}
