//! The bodies of `POST /admin/system/cache/warmup` and `POST /admin/system/cache/clear`.

use crate::admin::ClearTarget;
use crate::views::StoreName;
use proxy_core::validation::{FieldErrors, add_error, parse_json};
use serde::Deserialize;

/// Tags a clear may name at once.
pub const MAX_TAGS: usize = 50;
/// The longest tag a clear may name.
pub const MAX_TAG_LENGTH: usize = 200;

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct WarmupBody {
    /// Only these warmers (every one when absent or empty).
    warmers: Option<Vec<String>>,
}

/// The warmers to run (all when the body is empty or names none).
pub fn warmup_request(body: &str) -> Result<Vec<String>, FieldErrors> {
    if body.trim().is_empty() {
        return Ok(Vec::new());
    }
    let parsed: WarmupBody = parse_json(body)?;
    Ok(parsed.warmers.unwrap_or_default())
}

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "openapi", schemars(extend("oneOf" = clear_forms())))]
#[serde(deny_unknown_fields)]
pub(crate) struct ClearBody {
    #[cfg_attr(feature = "openapi", schemars(extend("enum" = proxy_core::validation::optional_one_of(&StoreName::ALL.map(|s| s.as_str())))))]
    store: Option<String>,
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = MAX_TAGS), inner(length(min = 1, max = MAX_TAG_LENGTH), pattern("^[!-~]+$"))))]
    tags: Option<Vec<String>>,
    /// Must be true: clearing every store is never a default.
    #[cfg_attr(feature = "openapi", schemars(extend("enum" = [true, null])))]
    all: Option<bool>,
}

/// Exactly one of `store`, `tags` or `all`, as the schema's `oneOf`.
#[cfg(feature = "openapi")]
fn clear_forms() -> serde_json::Value {
    use api::openapi::{not_sent, sent};
    serde_json::json!([
        {"allOf": [sent("store"), not_sent("tags"), not_sent("all")]},
        {"allOf": [sent("tags"), not_sent("store"), not_sent("all")]},
        {"allOf": [sent("all"), not_sent("store"), not_sent("tags")]}
    ])
}

/// Exactly one of `store`, `tags` or `all: true`.
pub fn clear_request(body: &str) -> Result<ClearTarget, FieldErrors> {
    let parsed: ClearBody = parse_json(if body.trim().is_empty() { "{}" } else { body })?;
    let mut errors = FieldErrors::new();
    let given = [parsed.store.is_some(), parsed.tags.is_some(), parsed.all.is_some()].iter().filter(|g| **g).count();
    if given != 1 {
        add_error(&mut errors, "body", "give exactly one of store, tags or all");
        return Err(errors);
    }
    if let Some(store) = parsed.store {
        return match StoreName::parse(&store) {
            Some(store) => Ok(ClearTarget::Store(store)),
            None => {
                let names: Vec<&str> = StoreName::ALL.iter().map(|s| s.as_str()).collect();
                add_error(&mut errors, "store", format!("must be one of: {}", names.join(", ")));
                Err(errors)
            }
        };
    }
    if let Some(tags) = parsed.tags {
        if tags.is_empty() || tags.len() > MAX_TAGS {
            add_error(&mut errors, "tags", format!("must name 1 to {MAX_TAGS} tags"));
        }
        for (i, tag) in tags.iter().enumerate() {
            let valid = !tag.is_empty() && tag.len() <= MAX_TAG_LENGTH && tag.chars().all(|c| c.is_ascii_graphic());
            if !valid {
                add_error(&mut errors, &format!("tags.{i}"), "must be 1 to 200 printable characters without spaces");
            }
        }
        return if errors.is_empty() { Ok(ClearTarget::Tags(tags)) } else { Err(errors) };
    }
    if parsed.all == Some(true) {
        Ok(ClearTarget::All)
    } else {
        add_error(&mut errors, "all", "must be true to clear every store");
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clear_names_exactly_one_valid_target() {
        assert_eq!(clear_request(r#"{"store":"sessions"}"#), Ok(ClearTarget::Store(StoreName::Sessions)));
        assert_eq!(
            clear_request(r#"{"tags":["customer:c-1","pricing"]}"#),
            Ok(ClearTarget::Tags(vec!["customer:c-1".into(), "pricing".into()]))
        );
        assert_eq!(clear_request(r#"{"all":true}"#), Ok(ClearTarget::All));
        for (body, field) in [
            ("", "body"),
            ("{}", "body"),
            (r#"{"store":"default","all":true}"#, "body"),
            (r#"{"store":"cache"}"#, "store"),
            (r#"{"tags":[]}"#, "tags"),
            (r#"{"tags":["a b"]}"#, "tags.0"),
            (r#"{"tags":[""]}"#, "tags.0"),
            (r#"{"all":false}"#, "all"),
            (r#"{"store":1}"#, "store"),
            (r#"{"everything":true}"#, "everything"),
            ("[not json", "body"),
        ] {
            let errors = clear_request(body).expect_err(body);
            assert!(errors.contains_key(field), "{body}: {errors:?}");
        }
    }

    #[test]
    fn a_warmup_may_name_its_warmers() {
        assert_eq!(warmup_request(""), Ok(vec![]));
        assert_eq!(warmup_request("{}"), Ok(vec![]));
        assert_eq!(warmup_request(r#"{"warmers":["pricing-overview"]}"#), Ok(vec!["pricing-overview".to_owned()]));
        assert!(warmup_request(r#"{"warmers":"all"}"#).is_err());
        assert!(warmup_request(r#"{"other":1}"#).is_err());
    }
}
