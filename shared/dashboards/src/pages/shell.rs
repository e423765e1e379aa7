//! `GET /admin/ui` (`ADMIN_UI`, public): the dashboards' shell — one page with the navigation, the sign-in and
//! 403 views, and the script that loads every page's panels with the reader's token (`shell.js`). It holds no
//! data, so it needs no sign-in: everything it shows comes from the page routes behind the authorizer.
//!
//! Signing in: with `SIGN_IN_DOMAIN` (the Cognito hosted UI's base URL) and `SIGN_IN_CLIENT_ID` set, the shell
//! sends the reader to the hosted UI (authorization code with PKCE) and keeps the access token in session
//! storage; without them (the local run) it takes a pasted token, and the local server's banner prints a link
//! that carries the dev token in the URL's fragment.

use api::{ApiError, ApiRequest, Html, Identity};
use base64::Engine;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

const SCRIPT: &str = include_str!("shell.js");
const STYLE: &str = include_str!("shell.css");

/// The pages, in the navigation's order: (`page` in the query, its title).
pub const PAGES: [(&str, &str); 6] = [
    ("system", "System"),
    ("analytics", "Analytics"),
    ("queues", "Queues"),
    ("inventory", "Inventory"),
    ("pricing", "Pricing"),
    ("chats", "Support chat"),
];

/// Where the hosted sign-in is, when there is one.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SignIn {
    pub domain: String,
    pub client_id: String,
}

impl SignIn {
    /// From the function's environment (set by the template); None when either is unset or empty.
    pub fn from_env() -> Option<SignIn> {
        let read = |name: &str| {
            std::env::var(name).ok().map(|v| v.trim().trim_end_matches('/').to_owned()).filter(|v| !v.is_empty())
        };
        Some(SignIn { domain: read("SIGN_IN_DOMAIN")?, client_id: read("SIGN_IN_CLIENT_ID")? })
    }
}

static SIGN_IN: LazyLock<Option<SignIn>> = LazyLock::new(SignIn::from_env);

/// A content security policy source for inline text: its SHA-256, so only this script and style run.
fn hash_source(text: &str) -> String {
    format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text.as_bytes())))
}

pub async fn endpoint(_ctx: &impl Sync, _request: ApiRequest, _caller: Identity) -> Result<Html, ApiError> {
    Ok(Html(render(SIGN_IN.as_ref()).into_string()))
}

/// The shell for this sign-in (None: the local run's pasted token).
pub fn render(sign_in: Option<&SignIn>) -> Markup {
    let config = serde_json::json!({
        "domain": sign_in.map(|s| s.domain.as_str()),
        "client_id": sign_in.map(|s| s.client_id.as_str()),
    });
    // Only this document's own script and style, calls to this API (and the hosted UI's token endpoint), no
    // frames, plugins or forms sent anywhere: nothing the pages show can load or send anything else.
    let connect = match sign_in {
        Some(s) => format!("'self' {}", s.domain),
        None => "'self'".to_owned(),
    };
    let policy = format!(
        "default-src 'none'; script-src {}; style-src {}; img-src 'self' data:; connect-src {connect}; form-action 'self'",
        hash_source(SCRIPT),
        hash_source(STYLE)
    );
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta http-equiv="Content-Security-Policy" content=(policy);
                title { "1000proxy admin" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header.top {
                    span.brand { "1000proxy admin" }
                    nav id="nav" aria-label="Dashboards" hidden {
                        ul { @for (name, title) in PAGES { li { a href=(format!("?page={name}")) data-page=(name) { (title) } } } }
                    }
                    button type="button" id="signout" { "Sign out" }
                }
                div id="status" role="status" aria-live="polite" {}
                main id="main" tabindex="-1" hidden {}
                section id="signin" hidden aria-labelledby="signin-title" {
                    h1 id="signin-title" tabindex="-1" { "Sign in" }
                    @match sign_in {
                        Some(_) => {
                            p { "Sign in with your administrator account." }
                            button type="button" id="hosted-signin" { "Sign in" }
                        }
                        None => {
                            p { "Paste an admin token. The local server prints a sign-in link when it starts, and "
                                code { "cargo run -p local-server -- token --admin" } " prints a token." }
                            form id="token-form" {
                                label for="token" { "Token" }
                                textarea id="token" name="token" required autocomplete="off" spellcheck="false" {}
                                button type="submit" { "Sign in" }
                            }
                        }
                    }
                }
                section id="forbidden" hidden aria-labelledby="forbidden-title" {
                    h1 id="forbidden-title" tabindex="-1" { "403 — not allowed" }
                    p { "You are signed in, but these dashboards are for administrators only." }
                }
                script id="config" type="application/json" { (PreEscaped(config.to_string().replace('<', "\\u003c"))) }
                script { (PreEscaped(SCRIPT)) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_lets_exactly_the_shells_own_script_and_style_run() {
        let page = render(None).into_string();
        assert!(page.contains(&hash_source(SCRIPT)) && page.contains(&hash_source(STYLE)), "{page}");
        assert!(page.contains("connect-src 'self';"), "calls go to this API only");
        assert!(page.contains(r#"id="token-form""#) && !page.contains(r#"id="hosted-signin""#));
        // The inline script is the file as it is: a hash of anything else would not match.
        assert!(page.contains(&format!("<script>{SCRIPT}</script>")));
    }

    #[test]
    fn with_a_hosted_sign_in_the_shell_sends_the_reader_there_and_may_call_its_token_endpoint() {
        let sign_in = SignIn {
            domain: "https://admins.auth.eu-west-1.amazoncognito.com".into(),
            client_id: "</script><script>x".into(),
        };
        let page = render(Some(&sign_in)).into_string();
        assert!(page.contains(r#"id="hosted-signin""#) && !page.contains(r#"id="token-form""#));
        assert!(page.contains("connect-src 'self' https://admins.auth.eu-west-1.amazoncognito.com;"), "{page}");
        // The configuration cannot end its script element.
        assert!(page.contains(r#""client_id":"\u003c/script>\u003cscript>x""#), "{page}");
    }
}
