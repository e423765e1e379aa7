//! Secrets out of log text before an admin sees it: a value under a sensitive name (`password`, `token`,
//! `authorization`, ...) is replaced whole, and what looks like a credential anywhere in text — a JWT, a bearer
//! or basic credential, an AWS access key id, a URL's password, `secret=...` — is masked. The system does not
//! log secrets on purpose; this is for the ones that slip into a message or an error's text.

use regex::Regex;
use std::sync::LazyLock;

pub const REDACTED: &str = "[redacted]";

/// The names whose value is a secret, as a pattern (in field names and in `name=value` text alike).
const SENSITIVE: &str = r"password|passwd|pwd|secret|token|authorization|cookie|api[_-]?key|access[_-]?key|private[_-]?key|credential|session[_-]?id|signature";

static SENSITIVE_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!("(?i)({SENSITIVE})")).expect("a valid pattern"));

/// Each pattern, and what its match becomes (`$n` keeps a group).
static PATTERNS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        // A JWT: three base64url parts, the first a JSON header (`{"` is `eyJ`).
        (r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*".to_owned(), "[redacted]"),
        (r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}".to_owned(), "$1 [redacted]"),
        (r"\b(?:AKIA|ASIA)[A-Za-z0-9]{16}\b".to_owned(), "[redacted]"),
        // scheme://user:password@host
        (r"([A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*):[^@\s/]+@".to_owned(), "$1:[redacted]@"),
        // "name": "a quoted value, spaces and \" included", in JSON and in JSON escaped inside a string (\"name\":\"v\").
        (format!(r#"(?i)("[A-Za-z_-]*(?:{SENSITIVE})[A-Za-z_-]*"\s*:\s*")(?:[^"\\]|\\.)*(")"#), "$1[redacted]$2"),
        (
            format!(r#"(?i)(\\"[A-Za-z_-]*(?:{SENSITIVE})[A-Za-z_-]*\\"\s*:\s*\\")(?:[^"\\]|\\[^"])*(\\")"#),
            "$1[redacted]$2",
        ),
        // name=value, name: value, name='value' (up to the value's end) for sensitive names.
        (
            format!(r#"(?i)\b([A-Za-z_-]*(?:{SENSITIVE})[A-Za-z_-]*\s*[:=]\s*)('[^']*'|[^\s"'&,;}}\[]+)"#),
            "$1[redacted]",
        ),
    ]
    .into_iter()
    .map(|(pattern, with)| (Regex::new(&pattern).expect("a valid pattern"), with))
    .collect()
});

/// Whether a field of this name holds a secret.
pub fn sensitive(name: &str) -> bool {
    SENSITIVE_NAME.is_match(name)
}

/// `text` with every credential-looking part masked.
pub fn text(text: &str) -> String {
    let mut out = text.to_owned();
    for (pattern, with) in PATTERNS.iter() {
        if pattern.is_match(&out) {
            out = pattern.replace_all(&out, *with).into_owned();
        }
    }
    out
}

/// A JSON value with sensitive fields replaced whole and every string masked, at any depth.
pub fn value(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::String(s) => serde_json::Value::String(text(&s)),
        serde_json::Value::Array(items) => serde_json::Value::Array(items.into_iter().map(self::value).collect()),
        serde_json::Value::Object(fields) => serde_json::Value::Object(
            fields
                .into_iter()
                .map(|(name, v)| {
                    let shown = if sensitive(&name) && !v.is_null() {
                        serde_json::Value::String(REDACTED.into())
                    } else {
                        self::value(v)
                    };
                    (name, shown)
                })
                .collect(),
        ),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JWT: &str =
        "eyJraWQiOiJhYmMiLCJhbGciOiJSUzI1NiJ9.eyJzdWIiOiI3ZDZiIiwidG9rZW5fdXNlIjoiYWNjZXNzIn0.c2lnbmF0dXJlLXBhcnQ";

    #[test]
    fn credentials_in_text_are_masked_and_the_rest_is_kept() {
        let cases = [
            (format!("token {JWT} rejected"), "token [redacted] rejected".to_owned()),
            ("Authorization: Bearer abc.DEF-123_xyz".into(), "Authorization: [redacted] [redacted]".into()),
            (r#"{"password":"correct horse battery"}"#.into(), r#"{"password":"[redacted]"}"#.into()),
            (r#"error: {\"client_secret\":\"s e c\"}"#.into(), r#"error: {\"client_secret\":\"[redacted]\"}"#.into()),
            ("cookie=sid-77; path=/".into(), "cookie=[redacted]; path=/".into()),
            ("private_key: 'abc def'".into(), "private_key: [redacted]".into()),
            ("request signature=0a1b2c".into(), "request signature=[redacted]".into()),
            ("header basic dXNlcjpwYXNz sent".into(), "header basic [redacted] sent".into()),
            ("key AKIAIOSFODNN7EXAMPLE used".into(), "key [redacted] used".into()),
            (
                "rediss://default:s3cr3t-pa55@cache.example:6380/0".into(),
                "rediss://default:[redacted]@cache.example:6380/0".into(),
            ),
            ("login failed: password=hunter2&user=ops".into(), "login failed: password=[redacted]&user=ops".into()),
            (r#"{"client_secret":"abc123"}"#.into(), r#"{"client_secret":"[redacted]"}"#.into()),
            ("panel_token: 77aa, server 7".into(), "panel_token: [redacted], server 7".into()),
            ("order 42 placed for 9.99 USD".into(), "order 42 placed for 9.99 USD".into()),
        ];
        for (input, expected) in cases {
            assert_eq!(text(&input), expected, "{input}");
        }
    }

    #[test]
    fn sensitive_fields_are_replaced_whole_at_any_depth() {
        let shown = value(serde_json::json!({
            "message": format!("saw {JWT}"),
            "password": "hunter2",
            "headers": {"Authorization": "Bearer x", "accept": "application/json"},
            "attempts": 3,
            "list": [{"api_key": "k"}, "AKIAIOSFODNN7EXAMPLE"],
            "session_id": null,
        }));
        assert_eq!(
            shown,
            serde_json::json!({
                "message": "saw [redacted]",
                "password": REDACTED,
                "headers": {"Authorization": REDACTED, "accept": "application/json"},
                "attempts": 3,
                "list": [{"api_key": REDACTED}, REDACTED],
                "session_id": null,
            })
        );
    }
}
