//! Live chat's inputs in the OpenAPI document: the message body, the assignment, the lists' paging and filter.

use api::openapi::{Inputs, OperationInput, QueryParameter};
use api::{page, routes};
use proxy_core::domain::chat::MAX_MESSAGE_CHARS;
use serde_json::json;

pub fn add_inputs(inputs: &mut Inputs) {
    let message = json!({
        "type": "object",
        "required": ["body"],
        "properties": {
            "body": {
                "type": "string",
                "minLength": 1,
                "maxLength": MAX_MESSAGE_CHARS,
                // Not blank: something besides the spaces `trim` removes.
                "pattern": proxy_core::validation::not_blank_pattern(1),
            }
        }
    });
    inputs.add(&routes::CHAT_SEND, OperationInput::body(message));
    let assignment = json!({
        "type": "object",
        "properties": {
            "admin_id": {
                "type": ["string", "null"],
                "description": "The admin to assign it to (the caller when absent).",
                "pattern": format!("^[A-Za-z0-9_.@-]{{1,{}}}$", super::endpoints::MAX_ADMIN_ID),
            },
            "take_over": {"type": ["boolean", "null"], "description": "Take it from the admin who has it."}
        }
    });
    inputs.add(&routes::ADMIN_CHAT_ASSIGN, OperationInput::optional_body(assignment));
    inputs.add(&routes::CHATS, OperationInput::query(page::query_parameters()));
    inputs.add(&routes::CHAT_MESSAGES, OperationInput::query(page::query_parameters()));
    let mut admin_query = page::query_parameters();
    admin_query.push(QueryParameter {
        name: "assigned",
        description: "Which open conversations: every one (`any`, the default), the caller's (`me`), nobody's (`none`).",
        schema: json!({"type": "string", "enum": ["any", "me", "none"]}),
    });
    inputs.add(&routes::ADMIN_CHATS, OperationInput::query(admin_query));
}
