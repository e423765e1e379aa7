//! What the pages and the export read and answer with, for the OpenAPI document.

use api::openapi::{Inputs, OperationInput, QueryParameter};
use api::routes;
use serde_json::json;

pub fn add_inputs(inputs: &mut Inputs) {
    let html = &["text/html"][..];
    inputs.add(&routes::ADMIN_UI, OperationInput::default().answering(html));
    let live = || QueryParameter {
        name: "live",
        description: "1: only the live panels, as the page's 5-second reload asks for them.",
        schema: json!({"enum": ["1"]}),
    };
    inputs.add(&routes::PAGE_SYSTEM, OperationInput::query(vec![live()]).answering(html));
    inputs.add(&routes::PAGE_QUEUES, OperationInput::query(vec![live()]).answering(html));
    inputs.add(&routes::PAGE_PRICING, OperationInput::default().answering(html));
    inputs
        .add(&routes::PAGE_ANALYTICS, OperationInput::query(analytics::endpoints::period_parameters()).answering(html));
    let plan = QueryParameter {
        name: "plan",
        description: "`rebalance`: show the rebalance's dry-run plan with its execute button.",
        schema: json!({"enum": ["rebalance"]}),
    };
    inputs.add(&routes::PAGE_INVENTORY, OperationInput::query(vec![plan]).answering(html));
    let chats = vec![
        live(),
        QueryParameter {
            name: "assigned",
            description: "Which open conversations: every one (`any`, the default), the reader's (`me`), nobody's \
                          (`none`).",
            schema: json!({"type": "string", "enum": ["any", "me", "none"]}),
        },
        QueryParameter {
            name: "conversation",
            description: "A conversation to show with its latest messages and reply form (its panel says when there \
                          is none such).",
            schema: json!({"type": "string"}),
        },
    ];
    inputs.add(&routes::PAGE_CHATS, OperationInput::query(chats).answering(html));
    let mut export = vec![QueryParameter {
        name: "format",
        description: "json (one document in the envelope, the default), csv (a zip of one CSV file per table) or \
                      html (a printable page).",
        schema: json!({"enum": ["json", "csv", "html"], "default": "json"}),
    }];
    export.extend(analytics::endpoints::period_parameters());
    inputs.add(
        &routes::SYSTEM_EXPORT,
        OperationInput::query(export).answering(&["application/json", "application/zip", "text/html"]),
    );
}
