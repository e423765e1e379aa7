//! API Gateway HTTP API (payload format 2.0) events, built the way API Gateway builds them: the local server
//! turns each real HTTP request into one, so handlers there see exactly what they see in Lambda.

use chrono::{DateTime, Utc};
use lambda_http::Request;
use std::collections::BTreeMap;

/// What API Gateway knows about a request once its JWT authorizer has run.
#[derive(Debug, Clone, Default)]
pub struct HttpEvent {
    pub method: String,
    pub path: String,
    /// Without the leading `?`.
    pub raw_query: String,
    pub headers: BTreeMap<String, String>,
    pub body: Option<String>,
    /// The verified token's claims, as API Gateway passes them (see `api_gateway_claims`); None = no authorizer
    /// context (a route without auth, or a test of the 401 path).
    pub claims: Option<BTreeMap<String, String>>,
    /// The matched route's template, e.g. `GET /admin/orders/{id}`, and its path parameters.
    pub route_key: Option<String>,
    pub path_parameters: BTreeMap<String, String>,
    pub request_id: String,
    pub source_ip: String,
}

/// Flattens a token's claims as API Gateway's HTTP API does: strings stay, numbers and booleans become their
/// text, arrays become `[a b c]` (bracketed, space-separated), objects their JSON.
pub fn api_gateway_claims(claims: &serde_json::Map<String, serde_json::Value>) -> BTreeMap<String, String> {
    claims
        .iter()
        .map(|(k, v)| {
            let text = match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Array(items) => {
                    let parts: Vec<String> =
                        items.iter().map(|i| i.as_str().map(str::to_owned).unwrap_or_else(|| i.to_string())).collect();
                    format!("[{}]", parts.join(" "))
                }
                other => other.to_string(),
            };
            (k.clone(), text)
        })
        .collect()
}

impl HttpEvent {
    pub fn new(method: &str, path: &str) -> Self {
        Self {
            method: method.to_uppercase(),
            path: path.to_owned(),
            request_id: uuid::Uuid::new_v4().to_string(),
            source_ip: "127.0.0.1".into(),
            ..Self::default()
        }
    }

    pub fn with_claims(mut self, claims: BTreeMap<String, String>) -> Self {
        self.claims = Some(claims);
        self
    }

    pub fn with_body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(body.into());
        self.headers.insert("content-type".into(), "application/json".into());
        self
    }

    /// The payload-2.0 event JSON.
    pub fn to_event(&self, at: DateTime<Utc>) -> serde_json::Value {
        let route_key = self.route_key.clone().unwrap_or_else(|| format!("{} {}", self.method, self.path));
        let query: BTreeMap<String, String> = self
            .raw_query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_once('=') {
                Some((k, v)) => (k.to_owned(), v.to_owned()),
                None => (p.to_owned(), String::new()),
            })
            .collect();
        let authorizer =
            self.claims.as_ref().map(|claims| serde_json::json!({"jwt": {"claims": claims, "scopes": null}}));
        serde_json::json!({
            "version": "2.0",
            "routeKey": route_key,
            "rawPath": self.path,
            "rawQueryString": self.raw_query,
            "headers": self.headers,
            "queryStringParameters": if query.is_empty() { None } else { Some(query) },
            "pathParameters": if self.path_parameters.is_empty() { None } else { Some(&self.path_parameters) },
            "requestContext": {
                "accountId": "000000000000",
                "apiId": "local",
                "authorizer": authorizer,
                "domainName": "localhost",
                "domainPrefix": "localhost",
                "http": {
                    "method": self.method,
                    "path": self.path,
                    "protocol": "HTTP/1.1",
                    "sourceIp": self.source_ip,
                    "userAgent": self.headers.get("user-agent").cloned().unwrap_or_default(),
                },
                "requestId": self.request_id,
                "routeKey": route_key,
                "stage": "$default",
                "time": at.format("%d/%b/%Y:%H:%M:%S +0000").to_string(),
                "timeEpoch": at.timestamp_millis(),
            },
            "body": self.body,
            "isBase64Encoded": false,
        })
    }

    /// The `lambda_http::Request` a function receives for this event.
    pub fn to_request(&self, at: DateTime<Utc>) -> Result<Request, String> {
        lambda_http::request::from_str(&self.to_event(at).to_string()).map_err(|e| e.to_string())
    }
}
