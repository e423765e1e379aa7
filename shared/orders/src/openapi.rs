//! The orders, profile and wallet routes' inputs for the OpenAPI document, generated from the types that
//! validate them.

use crate::CreateOrderRequest;
use crate::profile::UpdateProfileRequest;
use crate::wallet::CreditRequest;
use api::openapi::{Inputs, OperationInput};
use api::{page, routes};
use schemars::SchemaGenerator;

pub fn add_inputs(generator: &mut SchemaGenerator, inputs: &mut Inputs) {
    inputs
        .add(&routes::ORDERS_CREATE, OperationInput::body(generator.subschema_for::<CreateOrderRequest>().to_value()));
    inputs.add(&routes::ORDERS_LIST, OperationInput::query(page::query_parameters()));
    // Only the fields sent change: an empty body changes nothing and answers the profile.
    let profile = generator.subschema_for::<UpdateProfileRequest>().to_value();
    inputs.add(&routes::PROFILE_UPDATE, OperationInput::optional_body(profile));
    inputs.add(&routes::WALLET_GET, OperationInput::query(page::query_parameters()));
    inputs.add(&routes::WALLET_CREDIT, OperationInput::body(generator.subschema_for::<CreditRequest>().to_value()));
}
