//! Calling an HTTP function the way API Gateway does: a payload-2.0 event (with the JWT authorizer's claims)
//! handed to the function's handler, and the response read back as status, headers and JSON body.

use crate::TestApp;
use shared::http::apigw::HttpEvent;
use shared::routes::{FunctionSpec, Trigger};
use std::collections::BTreeMap;

/// What a function answered.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    /// The body as JSON (Null for a file or an empty body).
    pub body: serde_json::Value,
    /// The body as sent (a download's bytes).
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    /// The per-field messages of a 422 for `field` (empty when it has none).
    pub fn field_errors(&self, field: &str) -> Vec<String> {
        self.body["errors"][field]
            .as_array()
            .map(|a| a.iter().filter_map(|m| m.as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    }

    /// The fields a 422 names.
    pub fn error_fields(&self) -> Vec<String> {
        self.body["errors"].as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default()
    }
}

/// An amount in a JSON answer (Decimal fields travel as strings; a number is accepted too).
pub fn money(value: &serde_json::Value) -> rust_decimal::Decimal {
    let text = match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        other => panic!("not an amount: {other}"),
    };
    text.parse().unwrap_or_else(|e| panic!("not an amount: {text}: {e}"))
}

/// A caller: the claims API Gateway passes on after verifying their token.
#[derive(Debug, Clone)]
pub enum Caller {
    Anonymous,
    Customer(String),
    Admin(String),
}

impl Caller {
    pub fn customer(id: &impl ToString) -> Self {
        Caller::Customer(id.to_string())
    }

    fn claims(&self) -> Option<BTreeMap<String, String>> {
        match self {
            Caller::Anonymous => None,
            Caller::Customer(sub) => Some(BTreeMap::from([("sub".to_owned(), sub.clone())])),
            Caller::Admin(sub) => Some(BTreeMap::from([
                ("sub".to_owned(), sub.clone()),
                ("cognito:groups".to_owned(), "[admin]".to_owned()),
            ])),
        }
    }
}

/// A request to the HTTP function `spec` (a row of the route table, e.g. `&routes::ORDERS_CREATE`): method and
/// path come from the row, `{param}`s are filled from `params` in order.
pub struct Call {
    spec: &'static FunctionSpec,
    event: HttpEvent,
}

impl Call {
    pub fn to(spec: &'static FunctionSpec, params: &[&str]) -> Self {
        let name = spec.name;
        let Trigger::Http { method, path, .. } = spec.trigger else { panic!("{name} is not an HTTP function") };
        let mut values = params.iter();
        let mut parameters = BTreeMap::new();
        let concrete: Vec<String> = path
            .split('/')
            .map(|segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(param) => {
                    let value = values.next().unwrap_or_else(|| panic!("{name}: no value for {{{param}}}"));
                    parameters.insert(param.to_owned(), (*value).to_owned());
                    (*value).to_owned()
                }
                None => segment.to_owned(),
            })
            .collect();
        let mut event = HttpEvent::new(method, &concrete.join("/"));
        event.route_key = Some(format!("{method} {path}"));
        event.path_parameters = parameters;
        Self { spec, event }
    }

    pub fn by(mut self, caller: &Caller) -> Self {
        self.event.claims = caller.claims();
        self
    }

    pub fn json(mut self, body: serde_json::Value) -> Self {
        self.event = self.event.with_body(body.to_string());
        self
    }

    pub fn raw_body(mut self, body: &str) -> Self {
        self.event = self.event.with_body(body);
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.event.headers.insert(name.to_lowercase(), value.to_owned());
        self
    }

    pub fn query(mut self, query: &str) -> Self {
        self.event.raw_query = query.to_owned();
        self
    }

    pub async fn send(self, app: &TestApp) -> Reply {
        let request = self.event.to_request(app.ctx.clock.now()).expect("a valid API Gateway event");
        let response = shared::handlers::http(self.spec, &app.ctx, request).await.expect("an HTTP handler");
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or_default().to_owned()))
            .collect();
        let json = response.headers().get("content-type").is_some_and(|t| t == "application/json");
        let bytes = match response.body() {
            lambda_http::Body::Text(t) => t.clone().into_bytes(),
            lambda_http::Body::Binary(b) => b.clone(),
            lambda_http::Body::Empty => Vec::new(),
            other => panic!("unexpected body {other:?}"),
        };
        let body = if json { serde_json::from_slice(&bytes).expect("a JSON body") } else { serde_json::Value::Null };
        Reply { status: response.status().as_u16(), headers, body, bytes }
    }
}
