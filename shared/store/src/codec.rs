//! Domain value <-> item. serde_dynamo does the mapping; two adjustments sit on top:
//! - `Decimal` fields serialise as strings (exact), but the few the store does arithmetic on (a wallet's
//!   balance) must be DynamoDB numbers: those are listed per aggregate and converted both ways here;
//! - index and key attributes are added by the repository, and ignored when decoding.

use proxy_core::error::{Backend, PortError, PortResult};
use proxy_core::ports::table::{Item, Value};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub fn encode<T: Serialize>(value: &T, numeric_decimals: &[&str]) -> PortResult<Item> {
    let mut item: Item = serde_dynamo::to_item(value)
        .map_err(|e| PortError::Invalid { backend: Backend::Store, detail: format!("cannot encode item: {e}") })?;
    for field in numeric_decimals {
        if let Some(Value::S(text)) = item.remove(*field) {
            item.insert((*field).to_owned(), Value::N(text));
        }
    }
    // An absent optional is left out rather than stored as NULL: smaller items, and sparse indexes stay sparse.
    item.retain(|_, v| !matches!(v, Value::Null(_)));
    Ok(item)
}

/// One field's value, encoded as `encode` would store it (for updates of single attributes).
pub fn to_value<T: Serialize>(value: &T) -> PortResult<Value> {
    serde_dynamo::to_attribute_value(value)
        .map_err(|e| PortError::Invalid { backend: Backend::Store, detail: format!("cannot encode value: {e}") })
}

/// One field's value, decoded (the counterpart of `to_value`).
pub fn from_value<T: DeserializeOwned>(value: Value) -> PortResult<T> {
    serde_dynamo::from_attribute_value(value)
        .map_err(|e| PortError::corrupt(Backend::Store, format!("cannot decode value: {e}")))
}

pub fn decode<T: DeserializeOwned>(mut item: Item, numeric_decimals: &[&str]) -> PortResult<T> {
    for field in numeric_decimals {
        if let Some(Value::N(text)) = item.remove(*field) {
            item.insert((*field).to_owned(), Value::S(text));
        }
    }
    serde_dynamo::from_item(item).map_err(|e| PortError::corrupt(Backend::Store, format!("cannot decode item: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Sample {
        balance: Decimal,
        price: Decimal,
        note: Option<String>,
    }

    #[test]
    fn listed_decimals_are_numbers_and_round_trip_exactly() {
        let sample =
            Sample { balance: "12345678.12345678".parse().unwrap(), price: "0.10".parse().unwrap(), note: None };
        let item = encode(&sample, &["balance"]).unwrap();
        assert_eq!(item.get("balance"), Some(&Value::N("12345678.12345678".into())));
        assert_eq!(item.get("price"), Some(&Value::S("0.10".into())), "other decimals stay exact strings");
        assert!(!item.contains_key("note"), "absent optionals are left out");
        assert_eq!(decode::<Sample>(item, &["balance"]).unwrap(), sample);
    }

    #[test]
    fn a_foreign_shape_is_reported_as_corrupt() {
        let mut item = proxy_core::ports::table::Item::new();
        item.insert("balance".into(), Value::Bool(true));
        assert!(matches!(decode::<Sample>(item, &[]), Err(PortError::Corrupt { .. })));
    }
}
