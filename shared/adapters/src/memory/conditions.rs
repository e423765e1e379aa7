//! Evaluation of the store port's conditions and updates over an in-memory item.

use proxy_core::error::{Backend, PortError, PortResult};
use proxy_core::ports::table::{Condition, Item, Key, UpdateAction, Value};
use rust_decimal::Decimal;
use std::cmp::Ordering;
use std::str::FromStr;

fn as_decimal(value: Option<&Value>) -> Option<Decimal> {
    match value {
        Some(Value::N(n)) => Decimal::from_str(n).ok(),
        _ => None,
    }
}

/// Equality as DynamoDB sees it: numbers by value ("1.50" equals "1.5"), everything else structurally.
pub fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::N(x), Value::N(y)) => match (Decimal::from_str(x), Decimal::from_str(y)) {
            (Ok(x), Ok(y)) => x == y,
            _ => x == y,
        },
        _ => a == b,
    }
}

fn compare(item: Option<&Item>, attribute: &str, bound: Decimal) -> Option<Ordering> {
    as_decimal(item.and_then(|i| i.get(attribute))).map(|n| n.cmp(&bound))
}

/// `live` is the item when present and not expired; `stored` is whatever is stored, expired or not.
/// Existence tests look at `live`; attribute tests look at `stored`, as DynamoDB does.
pub fn holds(condition: &Condition, live: Option<&Item>, stored: Option<&Item>) -> bool {
    match condition {
        Condition::NotExists => live.is_none(),
        Condition::Exists => live.is_some(),
        Condition::AttributeEquals(a, v) => stored.and_then(|i| i.get(a)).is_some_and(|x| values_equal(x, v)),
        Condition::AttributeNotEquals(a, v) => !stored.and_then(|i| i.get(a)).is_some_and(|x| values_equal(x, v)),
        Condition::AtLeast(a, n) => compare(stored, a, *n).is_some_and(|o| o != Ordering::Less),
        Condition::AtMost(a, n) => compare(stored, a, *n).is_some_and(|o| o != Ordering::Greater),
        Condition::LessThan(a, n) => compare(stored, a, *n) == Some(Ordering::Less),
        Condition::AttributeMissing(a) => stored.is_none_or(|i| !i.contains_key(a)),
        Condition::And(all) => all.iter().all(|c| holds(c, live, stored)),
        Condition::Or(any) => any.iter().any(|c| holds(c, live, stored)),
    }
}

/// Applies update actions to the stored item (or a new one made from the key), as UpdateItem does. Adding to
/// an attribute that is not a number is refused, as DynamoDB refuses it (a string "0" is not 0).
pub fn apply(key: &Key, stored: Option<&Item>, actions: &[UpdateAction]) -> PortResult<Item> {
    let mut item = stored.cloned().unwrap_or_else(|| key.to_item());
    for action in actions {
        match action {
            UpdateAction::Set(a, v) => {
                item.insert(a.clone(), v.clone());
            }
            UpdateAction::SetIfMissing(a, v) => {
                item.entry(a.clone()).or_insert_with(|| v.clone());
            }
            UpdateAction::Add(a, by) => {
                let current = match item.get(a) {
                    None => Decimal::ZERO,
                    present => as_decimal(present).ok_or_else(|| PortError::Invalid {
                        backend: Backend::Store,
                        detail: format!("cannot add to {a}: it is not a number"),
                    })?,
                };
                item.insert(a.clone(), Value::N((current + by).normalize().to_string()));
            }
            UpdateAction::Remove(a) => {
                item.remove(a);
            }
        }
    }
    Ok(item)
}
