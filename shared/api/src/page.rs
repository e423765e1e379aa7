//! Paging parameters of list endpoints: `limit` (1..=100, default 20) and `cursor`, an opaque token that is the
//! store's position (base64url of its key attributes). A cursor is accepted only when it points into the
//! caller's own partition, so a forged one can neither read someone else's list nor reach the store as a
//! malformed key.

use crate::openapi::QueryParameter;
use crate::{ApiError, FieldErrors};
use proxy_core::ports::table::{Cursor, Item, ListScope, Value};
use std::collections::HashMap;

pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 100;

#[derive(Debug, Clone, PartialEq)]
pub struct PageRequest {
    pub limit: usize,
    pub after: Option<Cursor>,
}

/// Parses `limit` and `cursor` from the query; a cursor outside `scope` is a 422 on `cursor`.
pub fn parse(query: &HashMap<String, String>, scope: &ListScope) -> Result<PageRequest, ApiError> {
    let mut errors = FieldErrors::new();
    let limit = match query.get("limit").map(|l| l.trim().parse::<usize>()) {
        None => DEFAULT_LIMIT,
        Some(Ok(n)) if (1..=MAX_LIMIT).contains(&n) => n,
        Some(_) => {
            errors.entry("limit".into()).or_default().push(format!("must be an integer from 1 to {MAX_LIMIT}"));
            DEFAULT_LIMIT
        }
    };
    let after = match query.get("cursor").filter(|c| !c.is_empty()) {
        None => None,
        Some(token) => match decode_cursor(token, scope) {
            Some(cursor) => Some(cursor),
            None => {
                errors.entry("cursor".into()).or_default().push("is not a cursor this list gave out".into());
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok(PageRequest { limit, after })
}

/// `limit` and `cursor` as the OpenAPI document describes them.
pub fn query_parameters() -> Vec<QueryParameter> {
    vec![
        QueryParameter {
            name: "limit",
            description: "How many items (default 20).",
            schema: serde_json::json!({"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}),
        },
        QueryParameter {
            name: "cursor",
            description: "The `next_cursor` of the previous page, as given: an opaque token that is valid for this \
                          list only (422 otherwise).",
            schema: serde_json::json!({"type": "string"}),
        },
    ]
}

fn decode_cursor(token: &str, scope: &ListScope) -> Option<Cursor> {
    let attributes = Cursor::token_attributes(token)?;
    let names_match = attributes.len() == scope.keys.len() && scope.keys.iter().all(|a| attributes.contains_key(*a));
    // DynamoDB refuses empty key values and sort keys over 1,024 bytes (partition keys 2,048): such a start
    // key would be a 500, so it is not a cursor this list gave out.
    if attributes.values().any(|value| value.is_empty() || value.len() > 1024) {
        return None;
    }
    let (partition, caller) = (scope.partition.0, scope.partition.1.as_str());
    if !names_match || attributes.get(partition).map(String::as_str) != Some(caller) {
        return None;
    }
    if let Some((sort, prefix)) = scope.sort_prefix
        && !attributes.get(sort).is_some_and(|value| value.starts_with(prefix))
    {
        return None;
    }
    let item: Item = attributes.into_iter().map(|(k, v)| (k, Value::S(v))).collect();
    Some(Cursor(item))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cursor(pairs: &[(&str, &str)]) -> Cursor {
        Cursor(pairs.iter().map(|(k, v)| ((*k).to_owned(), Value::S((*v).to_owned()))).collect())
    }

    fn query(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    const KEYS: [&str; 4] = ["pk", "sk", "gsi1pk", "gsi1sk"];

    fn scope(partition: &str) -> ListScope {
        ListScope { keys: KEYS.to_vec(), partition: ("gsi1pk", partition.to_owned()), sort_prefix: None }
    }

    #[test]
    fn a_cursor_round_trips_within_its_partition_only() {
        let position = cursor(&[("pk", "ORDER#1"), ("sk", "ORDER"), ("gsi1pk", "CUSTOMER#a"), ("gsi1sk", "t#1")]);
        let token = Cursor::token(&position);
        let page = parse(&query(&[("cursor", &token), ("limit", "5")]), &scope("CUSTOMER#a")).unwrap();
        assert_eq!(page, PageRequest { limit: 5, after: Some(position) });

        let theirs = parse(&query(&[("cursor", &token)]), &scope("CUSTOMER#b")).unwrap_err();
        assert_eq!(theirs.status, 422);
        assert!(theirs.errors.unwrap().contains_key("cursor"));

        let in_range = ListScope { sort_prefix: Some(("gsi1sk", "t#")), ..scope("CUSTOMER#a") };
        assert!(parse(&query(&[("cursor", &token)]), &in_range).is_ok());
        let elsewhere = ListScope { sort_prefix: Some(("gsi1sk", "WTX#")), ..scope("CUSTOMER#a") };
        assert!(parse(&query(&[("cursor", &token)]), &elsewhere).unwrap_err().errors.unwrap().contains_key("cursor"));
    }

    #[test]
    fn bad_limits_and_garbage_cursors_are_field_errors() {
        for bad in ["0", "101", "-1", "ten"] {
            let error = parse(&query(&[("limit", bad)]), &scope("x")).unwrap_err();
            assert!(error.errors.unwrap().contains_key("limit"), "{bad}");
        }
        let extra = Cursor::token(&cursor(&[("gsi1pk", "x"), ("pk", "a"), ("sk", "b"), ("gsi1sk", "c"), ("z", "d")]));
        let empty = Cursor::token(&cursor(&[("gsi1pk", "x"), ("pk", ""), ("sk", "b"), ("gsi1sk", "c")]));
        let long = "s".repeat(1025);
        let too_long = Cursor::token(&cursor(&[("gsi1pk", "x"), ("pk", "a"), ("sk", &long), ("gsi1sk", "c")]));
        for bad in ["!!", "e30", extra.as_str(), empty.as_str(), too_long.as_str()] {
            let error = parse(&query(&[("cursor", bad)]), &scope("x")).unwrap_err();
            assert!(error.errors.unwrap().contains_key("cursor"), "{bad}");
        }
        assert_eq!(parse(&query(&[]), &scope("x")).unwrap(), PageRequest { limit: 20, after: None });
    }
}
