//! The OpenAPI document served at `/openapi.json` by the local server: the route table's operations
//! (`api::openapi`) with each context's request schemas, generated from the types that validate the requests.
//! Behind the `openapi` feature: the Lambda functions do not serve it.

use api::openapi::Inputs;
use schemars::generate::SchemaSettings;

pub fn document() -> serde_json::Value {
    let mut generator =
        SchemaSettings::draft2020_12().with(|s| s.definitions_path = "/components/schemas".into()).into_generator();
    let mut inputs = Inputs::default();
    crate::services::orders::openapi::add_inputs(&mut generator, &mut inputs);
    crate::services::pricing::openapi::add_inputs(&mut generator, &mut inputs);
    crate::services::inventory::openapi::add_inputs(&mut generator, &mut inputs);
    crate::services::queues::openapi::add_inputs(&mut generator, &mut inputs);
    crate::services::monitoring::alerts::add_inputs(&mut inputs);
    crate::services::monitoring::notifications::add_inputs(&mut inputs);
    crate::services::monitoring::logs::add_inputs(&mut inputs);
    crate::services::analytics::endpoints::add_inputs(&mut inputs);
    dashboards::openapi::add_inputs(&mut inputs);
    crate::services::realtime::endpoints::add_inputs(&mut inputs);
    crate::services::realtime::activity::add_inputs(&mut inputs);
    crate::services::realtime::chat::openapi::add_inputs(&mut inputs);
    let warmers: Vec<&str> = crate::cache_warmers().iter().map(|w| w.name).collect();
    crate::services::cache::openapi::add_inputs(&mut generator, &mut inputs, &warmers);
    inputs.schemas = generator.take_definitions(true);
    api::openapi::document(&inputs)
}
