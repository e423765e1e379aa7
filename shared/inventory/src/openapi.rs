//! The inventory routes' inputs for the OpenAPI document, generated from the types that validate them.

use crate::requests::{RebalanceBody, StatusBody};
use api::openapi::{Inputs, OperationInput};
use api::routes;
use schemars::SchemaGenerator;

pub fn add_inputs(generator: &mut SchemaGenerator, inputs: &mut Inputs) {
    // An empty body is a dry run over every location.
    let rebalance = generator.subschema_for::<RebalanceBody>().to_value();
    inputs.add(&routes::INVENTORY_REBALANCE, OperationInput::optional_body(rebalance));
    inputs.add(
        &routes::INVENTORY_SERVER_STATUS,
        OperationInput::body(generator.subschema_for::<StatusBody>().to_value()),
    );
}
