//! A cart's lines as quotes and orders both take them — `items`, or the single form `server_id` + `plan_id` +
//! `quantity` — and the rules that span fields. Pricing owns them: checkout prices the same cart it quotes.

use garde::Validate;
use proxy_core::domain::PlanId;
use proxy_core::validation::{FieldErrors, add_error};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "openapi", schemars(transform = plan_id_or_its_alias))]
pub struct RequestLine {
    /// The original's form calls it `server_plan_id`; both are accepted.
    #[serde(alias = "server_plan_id")]
    #[garde(length(chars, min = 1, max = 100))]
    pub plan_id: String,
    #[garde(range(min = 1, max = 50))]
    pub quantity: i64,
}

/// `order_lines`' rule on the two forms, as the schema's `oneOf`: `items` alone, or `server_id` with `plan_id`
/// (and `quantity`) without `items`. A field sent as null counts as not sent.
#[cfg(feature = "openapi")]
pub fn cart_forms() -> serde_json::Value {
    use api::openapi::{not_sent, sent};
    serde_json::json!([
        {"allOf": [sent("items"), not_sent("server_id"), not_sent("plan_id"), not_sent("quantity")]},
        {"allOf": [sent("server_id"), sent("plan_id"), not_sent("items")]}
    ])
}

/// serde's alias in the schema: `plan_id` or `server_plan_id`, one of the two (both is a repeated field).
#[cfg(feature = "openapi")]
fn plan_id_or_its_alias(schema: &mut schemars::Schema) {
    let plan_id = schema.get("properties").and_then(|p| p.get("plan_id")).cloned();
    if let (Some(plan_id), Some(properties)) =
        (plan_id, schema.get_mut("properties").and_then(serde_json::Value::as_object_mut))
    {
        properties.insert("server_plan_id".into(), plan_id);
    }
    if let Some(required) = schema.get_mut("required").and_then(serde_json::Value::as_array_mut) {
        required.retain(|field| field != "plan_id");
    }
    schema.insert("oneOf".into(), serde_json::json!([{"required": ["plan_id"]}, {"required": ["server_plan_id"]}]));
}

/// One line of a cart once its form is checked: a plan and how many clients of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderLine {
    pub plan_id: PlanId,
    pub quantity: u32,
}

/// The lines of a cart in either form — `items`, or `server_id` + `plan_id` + `quantity` — with the rules that
/// span fields (one form only, one line per plan). Shared by orders and quotes.
pub fn order_lines(
    items: &Option<Vec<RequestLine>>,
    server_id: &Option<String>,
    plan_id: &Option<String>,
    quantity: Option<i64>,
    errors: &mut FieldErrors,
) -> Vec<OrderLine> {
    let single = server_id.is_some() || plan_id.is_some() || quantity.is_some();
    match (items, single) {
        (Some(_), true) => {
            add_error(errors, "items", "send either items or server_id with plan_id, not both");
            Vec::new()
        }
        (Some(items), false) => {
            // One line per plan: a second line of the same plan is a quantity the client meant to send.
            for (i, line) in items.iter().enumerate() {
                if items[..i].iter().any(|earlier| earlier.plan_id == line.plan_id) {
                    add_error(errors, &format!("items.{i}.plan_id"), "is already in another line of this order");
                }
            }
            items
                .iter()
                .map(|l| OrderLine { plan_id: PlanId(l.plan_id.clone()), quantity: l.quantity.clamp(0, 50) as u32 })
                .collect()
        }
        (None, true) => {
            if server_id.is_none() {
                add_error(errors, "server_id", "is required with plan_id");
            }
            if plan_id.is_none() {
                add_error(errors, "plan_id", "is required with server_id");
            }
            let quantity = quantity.unwrap_or(1).clamp(0, 10) as u32;
            plan_id.iter().map(|p| OrderLine { plan_id: PlanId(p.clone()), quantity }).collect()
        }
        (None, false) => {
            add_error(errors, "items", "is required (or server_id with plan_id)");
            Vec::new()
        }
    }
}
