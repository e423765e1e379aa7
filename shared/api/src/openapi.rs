//! The OpenAPI 3.1 document of the HTTP routes: the operations, their paths, roles, rate limits and responses
//! come from the route table; each operation's input (body and query) from the context that reads it, generated
//! from the same types and rules that validate it (the contexts' `openapi` modules, collected by the Lambda edge
//! crate), so the document cannot drift from what is accepted.

use crate::routes::{FUNCTIONS, FunctionSpec, Trigger};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// What an operation reads besides its path: documented by the context that validates it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OperationInput {
    pub body: Option<RequestBody>,
    pub query: Vec<QueryParameter>,
    /// The media types a success may answer with when it is not only the envelope (`application/json`): a
    /// page's `text/html`, a download's `application/zip`.
    pub answers: Vec<&'static str>,
    /// The JSON a success answers with outside the envelope (`api::Verbatim`), when it does.
    pub verbatim: Option<Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RequestBody {
    /// A JSON Schema; references point into the document's `components/schemas`.
    pub schema: Value,
    /// False when an absent (empty) body means the defaults: a dry run, every warmer.
    pub required: bool,
    /// The media types the body may be sent as (JSON unless said otherwise).
    pub media_types: &'static [&'static str],
}

#[derive(Debug, Clone, PartialEq)]
pub struct QueryParameter {
    pub name: &'static str,
    pub description: &'static str,
    pub schema: Value,
}

impl OperationInput {
    pub fn body(schema: Value) -> OperationInput {
        let body = RequestBody { schema, required: true, media_types: &["application/json"] };
        OperationInput { body: Some(body), ..OperationInput::default() }
    }

    pub fn optional_body(schema: Value) -> OperationInput {
        let body = RequestBody { schema, required: false, media_types: &["application/json"] };
        OperationInput { body: Some(body), ..OperationInput::default() }
    }

    /// A required body sent as any of `media_types` (a form, JSON), each read with `schema`.
    pub fn body_as(schema: Value, media_types: &'static [&'static str]) -> OperationInput {
        OperationInput { body: Some(RequestBody { schema, required: true, media_types }), ..OperationInput::default() }
    }

    /// An operation whose success is `schema` itself, outside the envelope (`api::Verbatim`).
    pub fn answering_verbatim(mut self, schema: Value) -> OperationInput {
        self.verbatim = Some(schema);
        self
    }

    pub fn query(query: Vec<QueryParameter>) -> OperationInput {
        OperationInput { query, ..OperationInput::default() }
    }

    /// An operation that answers with these media types (the envelope is `application/json`).
    pub fn answering(mut self, media_types: &[&'static str]) -> OperationInput {
        self.answers = media_types.to_vec();
        self
    }
}

/// The inputs of the operations that read more than their path, by function name, and the named schemas their
/// bodies refer to.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub operations: BTreeMap<&'static str, OperationInput>,
    pub schemas: serde_json::Map<String, Value>,
}

impl Inputs {
    pub fn add(&mut self, spec: &FunctionSpec, input: OperationInput) {
        self.operations.insert(spec.name, input);
    }
}

/// A schema an object matches when it has `field` with a value other than null: the bodies' "either this or
/// that" rules read a field sent as null as not sent.
pub fn sent(field: &str) -> Value {
    json!({"required": [field], "properties": {field: {"not": {"type": "null"}}}})
}

/// A schema an object matches when `field` is absent or null.
pub fn not_sent(field: &str) -> Value {
    json!({"not": sent(field)})
}

/// The document: one operation per HTTP route of the table, with its input from `inputs`.
pub fn document(inputs: &Inputs) -> Value {
    let mut paths = serde_json::Map::new();
    for spec in FUNCTIONS {
        let Trigger::Http { method, path, .. } = spec.trigger else {
            continue;
        };
        let operation = operation(spec, inputs.operations.get(spec.name));
        paths
            .entry(path.to_owned())
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .map(|o| o.insert(method.to_lowercase(), operation));
    }
    let mut schemas = inputs.schemas.clone();
    schemas.insert(
        "Success".into(),
        json!({"type": "object", "required": ["success", "data", "request_id"], "properties": {
            "success": {"const": true}, "data": {}, "request_id": {"type": "string"}}}),
    );
    schemas.insert(
        "Error".into(),
        json!({"type": "object", "required": ["success", "message", "error_code", "request_id"], "properties": {
            "success": {"const": false}, "message": {"type": "string"}, "error_code": {"type": "string"},
            "request_id": {"type": "string"}, "timestamp": {"type": "string"},
            "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}}}),
    );
    json!({
        "openapi": "3.1.0",
        "info": {"title": "1000proxy system services", "version": env!("CARGO_PKG_VERSION")},
        "paths": paths,
        "components": {
            "securitySchemes": {"jwt": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
            "schemas": schemas,
            "responses": {
                "Error": {"description": "Error envelope", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                // API Gateway's JWT authorizer refuses a missing or invalid token before any function runs, with its
                // own body (and `WWW-Authenticate: Bearer`); the edge's envelope is the answer when a request
                // reaches a function without an identity.
                "Unauthorized": {"description": "No valid token: API Gateway's `{\"message\":\"Unauthorized\"}`, or the error envelope", "content": {"application/json": {"schema": {"anyOf": [
                    {"$ref": "#/components/schemas/Error"},
                    {"type": "object", "required": ["message"], "properties": {"message": {"const": "Unauthorized"}}}
                ]}}}}
            }
        }
    })
}

fn operation(spec: &FunctionSpec, input: Option<&OperationInput>) -> Value {
    let Trigger::Http { method, path, status } = spec.trigger else {
        unreachable!("only HTTP routes are operations");
    };
    let mut parameters: Vec<Value> = path
        .split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect();
    let has_path_parameters = !parameters.is_empty();
    let query = input.map(|i| i.query.as_slice()).unwrap_or_default();
    parameters.extend(query.iter().map(
        |q| json!({"name": q.name, "in": "query", "required": false, "description": q.description, "schema": q.schema}),
    ));
    let body = input.and_then(|i| i.body.as_ref());
    let answers = input.map(|i| i.answers.as_slice()).filter(|a| !a.is_empty()).unwrap_or(&["application/json"]);
    let verbatim = input.and_then(|i| i.verbatim.clone());
    let content: serde_json::Map<String, Value> = answers
        .iter()
        .map(|media| {
            let schema = match *media {
                "application/json" => {
                    verbatim.clone().unwrap_or_else(|| json!({"$ref": "#/components/schemas/Success"}))
                }
                "text/html" => json!({"type": "string"}),
                _ => json!({"type": "string", "contentMediaType": media}),
            };
            ((*media).to_owned(), json!({"schema": schema}))
        })
        .collect();
    let mut responses = json!({
        status.to_string(): {"description": "Success", "content": content},
        "500": {"$ref": "#/components/responses/Error"},
        "503": {"$ref": "#/components/responses/Error"}
    });
    if spec.role.is_some() {
        responses["401"] = json!({"$ref": "#/components/responses/Unauthorized"});
        responses["403"] = json!({"$ref": "#/components/responses/Error"});
    }
    let mut errors: Vec<&str> = Vec::new();
    if has_path_parameters {
        errors.push("404");
    }
    if method != "GET" {
        errors.extend(["400", "409"]);
    }
    if body.is_some() || !query.is_empty() {
        errors.push("422");
    }
    if !spec.limits.is_empty() {
        errors.push("429");
    }
    for code in errors {
        responses[code] = json!({"$ref": "#/components/responses/Error"});
    }
    let mut operation = json!({
        "operationId": spec.name,
        "summary": spec.summary,
        // A route without a role has no authorizer.
        "security": if spec.role.is_some() { json!([{"jwt": []}]) } else { json!([]) },
        "x-required-role": spec.role,
        "x-rate-limits": spec.limits,
        "parameters": parameters,
        "responses": responses
    });
    if let Some(body) = body {
        let content: serde_json::Map<String, Value> =
            body.media_types.iter().map(|media| ((*media).to_owned(), json!({"schema": body.schema}))).collect();
        operation["requestBody"] = json!({"required": body.required, "content": content});
    }
    operation
}
