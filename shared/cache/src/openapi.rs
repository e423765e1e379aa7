//! The cache routes' inputs for the OpenAPI document, generated from the types and rules that validate them.

use crate::requests::{ClearBody, WarmupBody};
use api::openapi::{Inputs, OperationInput};
use api::routes;
use schemars::{JsonSchema, SchemaGenerator};

/// `warmers` are the names the warm-up knows (anything else is `WarmupError::UnknownWarmer`): the
/// application's, not this crate's, so they are named here rather than in the type.
pub fn add_inputs(generator: &mut SchemaGenerator, inputs: &mut Inputs, warmers: &[&str]) {
    let mut warmup = WarmupBody::json_schema(generator).to_value();
    warmup["properties"]["warmers"]["items"] = serde_json::json!({"enum": warmers});
    inputs.add(&routes::SYSTEM_CACHE_WARMUP, OperationInput::optional_body(warmup));
    inputs.add(&routes::SYSTEM_CACHE_CLEAR, OperationInput::body(generator.subschema_for::<ClearBody>().to_value()));
}
