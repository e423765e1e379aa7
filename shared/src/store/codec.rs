//! Domain value <-> item. serde_dynamo does the mapping; two adjustments sit on top:
//! - `Decimal` fields serialise as strings (exact), but the few the store does arithmetic on (a wallet's
//!   balance) must be DynamoDB numbers: those are listed per aggregate and converted both ways here;
//! - index and key attributes are added by the repository, and ignored when decoding.

use crate::error::{Backend, PortError, PortResult};
use crate::ports::table::{Item, Value};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub fn encode<T: Serialize>(value: &T, numeric_decimals: &[&str]) -> PortResult<Item> {
    let mut item: Item = serde_dynamo::to_item(value).map_err(|e| PortError::Invalid {
        backend: Backend::Store,
        detail: format!("cannot encode item: {e}"),
    })?;
    for field in numeric_decimals {
        if let Some(Value::S(text)) = item.remove(*field) {
            item.insert((*field).to_owned(), Value::N(text));
        }
    }
    // An absent optional is left out rather than stored as NULL: smaller items, and sparse indexes stay sparse.
    item.retain(|_, v| !matches!(v, Value::Null(_)));
    Ok(item)
}

pub fn decode<T: DeserializeOwned>(mut item: Item, numeric_decimals: &[&str]) -> PortResult<T> {
    for field in numeric_decimals {
        if let Some(Value::N(text)) = item.remove(*field) {
            item.insert((*field).to_owned(), Value::S(text));
        }
    }
    serde_dynamo::from_item(item).map_err(|e| PortError::corrupt(Backend::Store, format!("cannot decode item: {e}")))
}
