//! Request bodies into typed requests, with every problem reported per field (the 422 envelope's `errors`)
//! and never as a 500: a body of the wrong JSON shape is a field error too.

use crate::http::FieldErrors;
use serde::de::DeserializeOwned;

pub fn add_error(errors: &mut FieldErrors, field: &str, message: impl Into<String>) {
    errors.entry(field.to_owned()).or_default().push(message.into());
}

/// garde's `items[0].quantity` -> the original's `items.0.quantity`.
pub fn field_name(path: &str) -> String {
    path.replace('[', ".").replace(']', "")
}

/// Every failed rule of a garde report, by field.
pub fn report_errors(report: &garde::Report) -> FieldErrors {
    let mut errors = FieldErrors::new();
    for (path, error) in report.iter() {
        add_error(&mut errors, &field_name(&path.to_string()), error.message());
    }
    errors
}

/// Parses a JSON body into `T`; the error names the field whose value had the wrong type.
pub fn parse_json<T: DeserializeOwned>(body: &str) -> Result<T, FieldErrors> {
    let mut deserializer = serde_json::Deserializer::from_str(body);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let field = match e.path().to_string().as_str() {
            // "?" is serde_path_to_error's position inside a body that is not JSON at all.
            "." | "" | "?" => "body".to_owned(),
            path => field_name(path),
        };
        let mut errors = FieldErrors::new();
        add_error(&mut errors, &field, format!("is not valid: {}", e.inner()));
        errors
    })
}
