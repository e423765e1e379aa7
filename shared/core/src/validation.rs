//! Request bodies into typed requests, with every problem reported per field (the 422 envelope's `errors`)
//! and never as a 500: a body of the wrong JSON shape is a field error too.

use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

/// Each invalid field with its messages: the 422 envelope's `errors`.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

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
    // Every request body is a JSON object. serde's derived structs would also read an array positionally
    // (`["Zoe"]` as a name), which no client means.
    if !body.trim_start().starts_with('{') {
        let mut errors = FieldErrors::new();
        add_error(&mut errors, "body", "must be a JSON object");
        return Err(errors);
    }
    let mut deserializer = serde_json::Deserializer::from_str(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let field = match e.path().to_string().as_str() {
            // "?" is serde_path_to_error's position inside a body that is not JSON at all.
            "." | "" | "?" => "body".to_owned(),
            path => field_name(path),
        };
        let mut errors = FieldErrors::new();
        add_error(&mut errors, &field, format!("is not valid: {}", e.inner()));
        errors
    })?;
    // Text after the value (`{..} trailing`, or a second object) makes the body not JSON: refused, not half-read.
    deserializer.end().map_err(|e| {
        let mut errors = FieldErrors::new();
        add_error(&mut errors, "body", format!("is not valid: {e}"));
        errors
    })?;
    Ok(value)
}

/// A garde rule for an optional field that, when present, must be one of `allowed`.
pub fn one_of(allowed: &'static [&'static str]) -> impl FnOnce(&Option<String>, &()) -> garde::Result {
    move |value, _| match value {
        Some(v) if !allowed.contains(&v.as_str()) => {
            Err(garde::Error::new(format!("must be one of: {}", allowed.join(", "))))
        }
        _ => Ok(()),
    }
}
