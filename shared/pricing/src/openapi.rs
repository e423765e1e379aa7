//! The pricing routes' inputs for the OpenAPI document, generated from the types that validate them.

use crate::QuoteRequest;
use crate::admin::{Rollback, RulesUpdate};
use crate::promotions::NewPromotion;
use api::openapi::{Inputs, OperationInput};
use api::{page, routes};
use schemars::SchemaGenerator;

pub fn add_inputs(generator: &mut SchemaGenerator, inputs: &mut Inputs) {
    inputs.add(&routes::PRICING_QUOTE, OperationInput::body(generator.subschema_for::<QuoteRequest>().to_value()));
    inputs
        .add(&routes::PRICING_RULES_UPDATE, OperationInput::body(generator.subschema_for::<RulesUpdate>().to_value()));
    inputs.add(&routes::PRICING_RULES_ROLLBACK, OperationInput::body(generator.subschema_for::<Rollback>().to_value()));
    inputs.add(&routes::PRICING_RULES_VERSIONS, OperationInput::query(page::query_parameters()));
    inputs.add(
        &routes::PRICING_PROMOTION_CREATE,
        OperationInput::body(generator.subschema_for::<NewPromotion>().to_value()),
    );
}
