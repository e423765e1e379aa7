//! The queue routes' inputs for the OpenAPI document, generated from the types and rules that validate them.

use crate::requests::{MAX_JOB_TYPE, RetryBody, queue_names};
use api::openapi::{Inputs, OperationInput, QueryParameter};
use api::{page, routes};
use schemars::SchemaGenerator;

pub fn add_inputs(generator: &mut SchemaGenerator, inputs: &mut Inputs) {
    inputs.add(&routes::QUEUE_RETRY, OperationInput::body(generator.subschema_for::<RetryBody>().to_value()));
    let mut failed = vec![
        QueryParameter {
            name: "queue",
            description: "Only this queue's dead letters (not with `type`).",
            schema: serde_json::json!({"enum": queue_names()}),
        },
        QueryParameter {
            name: "type",
            description: "Only jobs of this type (not with `queue`).",
            schema: serde_json::json!({"type": "string", "minLength": 1, "maxLength": MAX_JOB_TYPE}),
        },
    ];
    failed.extend(page::query_parameters());
    inputs.add(&routes::QUEUE_FAILED_LIST, OperationInput::query(failed));
}
