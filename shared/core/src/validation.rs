//! Request bodies into typed requests, with every problem reported per field (the 422 envelope's `errors`)
//! and never as a 500: a body of the wrong JSON shape is a field error too.

use garde::i18n::{DefaultI18n, InvalidCreditCard, InvalidEmail, InvalidPhoneNumber, InvalidUrl, IpKind, with_i18n};
use serde::de::DeserializeOwned;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Display;

/// Each invalid field with its messages: the 422 envelope's `errors`.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

pub fn add_error(errors: &mut FieldErrors, field: &str, message: impl Into<String>) {
    errors.entry(field.to_owned()).or_default().push(message.into());
}

/// garde's `items[0].quantity` -> the original's `items.0.quantity`.
pub fn field_name(path: &str) -> String {
    path.replace('[', ".").replace(']', "")
}

/// garde's rule messages as the sentences the 422 envelope carries: "must be at most 10", not "greater than
/// 10" (garde's English names the comparison, not the rule). The rules garde words well enough are its own.
struct Sentences;

impl garde::i18n::I18n for Sentences {
    fn length_lower_than(&self, min: usize) -> Cow<'static, str> {
        format!("must have a length of at least {min}").into()
    }
    fn length_greater_than(&self, max: usize) -> Cow<'static, str> {
        format!("must have a length of at most {max}").into()
    }
    fn range_lower_than(&self, min: &dyn Display) -> Cow<'static, str> {
        format!("must be at least {min}").into()
    }
    fn range_greater_than(&self, max: &dyn Display) -> Cow<'static, str> {
        format!("must be at most {max}").into()
    }
    fn required_not_set(&self) -> Cow<'static, str> {
        Cow::Borrowed("is required")
    }
    fn credit_card_invalid(&self, reason: InvalidCreditCard) -> Cow<'static, str> {
        DefaultI18n.credit_card_invalid(reason)
    }
    fn pattern_no_match(&self, pattern: &dyn Display) -> Cow<'static, str> {
        DefaultI18n.pattern_no_match(pattern)
    }
    fn contains_missing(&self, pattern: &dyn Display) -> Cow<'static, str> {
        DefaultI18n.contains_missing(pattern)
    }
    fn url_invalid(&self, reason: InvalidUrl) -> Cow<'static, str> {
        DefaultI18n.url_invalid(reason)
    }
    fn prefix_missing(&self, pattern: &dyn Display) -> Cow<'static, str> {
        DefaultI18n.prefix_missing(pattern)
    }
    fn suffix_missing(&self, pattern: &dyn Display) -> Cow<'static, str> {
        DefaultI18n.suffix_missing(pattern)
    }
    fn phone_number_invalid(&self, reason: InvalidPhoneNumber) -> Cow<'static, str> {
        DefaultI18n.phone_number_invalid(reason)
    }
    fn ip_invalid(&self, kind: IpKind) -> Cow<'static, str> {
        DefaultI18n.ip_invalid(kind)
    }
    fn matches_field_mismatch(&self, field: &dyn Display) -> Cow<'static, str> {
        DefaultI18n.matches_field_mismatch(field)
    }
    fn email_invalid(&self, reason: InvalidEmail) -> Cow<'static, str> {
        format!("must be an e-mail address ({})", DefaultI18n.email_invalid(reason)).into()
    }
    fn ascii_invalid(&self) -> Cow<'static, str> {
        Cow::Borrowed("must be ASCII")
    }
    fn alphanumeric_invalid(&self) -> Cow<'static, str> {
        Cow::Borrowed("must be letters and digits only")
    }
}

/// Checks every garde rule of `value`: Ok, or each failed rule's sentence by field.
pub fn check<T: garde::Validate<Context = ()>>(value: &T) -> Result<(), FieldErrors> {
    with_i18n(Sentences, || value.validate()).map_err(|report| report_errors(&report))
}

/// Every failed rule of a garde report, by field.
pub fn report_errors(report: &garde::Report) -> FieldErrors {
    let mut errors = FieldErrors::new();
    for (path, error) in report.iter() {
        add_error(&mut errors, &field_name(&path.to_string()), error.message());
    }
    errors
}

/// JSON has one kind of number: `51.0` is the integer 51 to a client (and to JSON Schema), but serde refuses it
/// for an integer field. Turns whole numbers within i64 into integers; says whether it changed any.
fn whole_numbers_as_integers(value: &mut serde_json::Value) -> bool {
    match value {
        serde_json::Value::Number(n) if n.is_f64() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => {
                *value = serde_json::Value::from(f as i64);
                true
            }
            _ => false,
        },
        serde_json::Value::Array(items) => {
            items.iter_mut().fold(false, |changed, v| whole_numbers_as_integers(v) | changed)
        }
        serde_json::Value::Object(fields) => {
            fields.values_mut().fold(false, |changed, v| whole_numbers_as_integers(v) | changed)
        }
        _ => false,
    }
}

/// Parses a JSON body into `T`; the error names the field whose value had the wrong type, or where the text
/// stopped being JSON. A repeated field and text after the object are refused.
pub fn parse_json<T: DeserializeOwned>(body: &str) -> Result<T, FieldErrors> {
    // Every request body is a JSON object. serde's derived structs would also read an array positionally
    // (`["Zoe"]` as a name), which no client means.
    if !body.trim_start().starts_with('{') {
        let mut errors = FieldErrors::new();
        add_error(&mut errors, "body", "must be a JSON object");
        return Err(errors);
    }
    let typed = read_typed(body);
    // Refused for a number with a fraction where an integer goes (serde's "invalid type: floating point `51.0`,
    // expected i64"), and for nothing else (a repeated field stays refused): read again with whole numbers as
    // integers.
    let only_a_float = |errors: &FieldErrors| {
        errors.values().flatten().all(|message| message.contains("invalid type: floating point"))
    };
    if !typed.as_ref().err().is_some_and(only_a_float) {
        return typed;
    }
    let Ok(mut value) = serde_json::from_str::<serde_json::Value>(body) else { return typed };
    if !whole_numbers_as_integers(&mut value) {
        return typed;
    }
    serde_path_to_error::deserialize(value).map_err(|e| path_error(e.path(), e.inner()))
}

fn path_error(path: &serde_path_to_error::Path, error: &impl Display) -> FieldErrors {
    let field = match path.to_string().as_str() {
        // "?" is serde_path_to_error's position inside a body that is not JSON at all.
        "." | "" | "?" => "body".to_owned(),
        path => field_name(path),
    };
    let mut errors = FieldErrors::new();
    add_error(&mut errors, &field, format!("is not valid: {error}"));
    errors
}

/// Reads `body` as `T` straight from the text.
fn read_typed<T: DeserializeOwned>(body: &str) -> Result<T, FieldErrors> {
    let mut deserializer = serde_json::Deserializer::from_str(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| path_error(e.path(), e.inner()))?;
    // Text after the value (`{..} trailing`, or a second object) makes the body not JSON: refused, not half-read.
    deserializer.end().map_err(|e| {
        let mut errors = FieldErrors::new();
        add_error(&mut errors, "body", format!("is not valid: {e}"));
        errors
    })?;
    Ok(value)
}

/// The longest money text a request may send: rust_decimal holds 28 significant digits.
pub const MONEY_TEXT_MAX: usize = 28;

/// Reads an optional money amount as a request sends it: decimal text (`"12.50"`: digits, no sign, exponent or
/// leading zero, at most `MONEY_TEXT_MAX` characters) or a JSON integer. A JSON number with a fraction is
/// refused (`parse_json` reads a whole one, `12.0`, as the integer): JSON numbers are binary, so `0.1` is not
/// a tenth. Null is not sent.
pub fn optional_money<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<rust_decimal::Decimal>, D::Error> {
    struct Money;
    impl<'de> serde::de::Visitor<'de> for Money {
        type Value = Option<rust_decimal::Decimal>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an amount as decimal text, such as \"12.50\"")
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v.into()))
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v.into()))
        }
        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Self::Value, E> {
            let (whole, fraction) = text.split_once('.').map_or((text, None), |(w, f)| (w, Some(f)));
            let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
            let plain = text.len() <= MONEY_TEXT_MAX
                && digits(whole)
                && (whole == "0" || !whole.starts_with('0'))
                && fraction.is_none_or(digits);
            let amount = plain.then(|| text.parse::<rust_decimal::Decimal>().ok()).flatten();
            amount.map(Some).ok_or_else(|| E::invalid_value(serde::de::Unexpected::Str(text), &self))
        }
    }
    deserializer.deserialize_any(Money)
}

/// The characters `str::trim` removes (Unicode's White_Space), as a regex class: a schema's `\s` is not that
/// set (ECMA-262 adds U+FEFF, Python the separators U+001C..U+001F).
#[cfg(feature = "openapi")]
const TRIMMED: &str = "\t\n\u{b}\u{c}\r \u{85}\u{a0}\u{1680}\u{2000}-\u{200a}\u{2028}\u{2029}\u{202f}\u{205f}\u{3000}";

/// The pattern of a text whose rule holds once trimmed: `core` (a regex) between any spaces `trim` removes.
#[cfg(feature = "openapi")]
pub fn trimmed_pattern(core: &str) -> String {
    format!("^[{TRIMMED}]*{core}[{TRIMMED}]*$")
}

/// The pattern of a text that is still at least `min` (>= 2) characters long once trimmed.
#[cfg(feature = "openapi")]
pub fn not_blank_pattern(min: usize) -> String {
    match min {
        0 | 1 => format!("[^{TRIMMED}]"),
        _ => format!("[^{TRIMMED}][\\s\\S]{{{}}}[\\s\\S]*[^{TRIMMED}]", min - 2),
    }
}

/// The `enum` of an optional field's schema that must be one of `allowed` when given: `allowed` and null.
#[cfg(feature = "openapi")]
pub fn optional_one_of<S: AsRef<str>>(allowed: &[S]) -> serde_json::Value {
    let mut values: Vec<serde_json::Value> = allowed.iter().map(|a| serde_json::Value::from(a.as_ref())).collect();
    values.push(serde_json::Value::Null);
    serde_json::Value::Array(values)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Body {
        limit: Option<i64>,
        items: Option<Vec<u32>>,
    }

    #[derive(Debug, serde::Deserialize)]
    struct Payment {
        #[serde(default, deserialize_with = "optional_money")]
        amount: Option<rust_decimal::Decimal>,
    }

    #[test]
    fn money_is_decimal_text_or_an_integer_and_never_a_binary_fraction() {
        let amount = |body: &str| parse_json::<Payment>(body).map(|p| p.amount.map(|a| a.to_string()));
        for (body, want) in [
            (r#"{"amount": "12.50"}"#, Some("12.50")),
            (r#"{"amount": "0.1"}"#, Some("0.1")),
            (r#"{"amount": "0"}"#, Some("0")),
            (r#"{"amount": 12}"#, Some("12")),
            (r#"{"amount": 12.0}"#, Some("12")),
            (r#"{"amount": null}"#, None),
            (r#"{}"#, None),
        ] {
            assert_eq!(amount(body).unwrap().as_deref(), want, "{body}");
        }
        for body in [
            r#"{"amount": 0.1}"#,
            r#"{"amount": "1e3"}"#,
            r#"{"amount": "01"}"#,
            r#"{"amount": "-1"}"#,
            r#"{"amount": "+1"}"#,
            r#"{"amount": " 1"}"#,
            r#"{"amount": "1."}"#,
            r#"{"amount": ".5"}"#,
            r#"{"amount": "1_000"}"#,
            r#"{"amount": "1.00000000000000000000000000000"}"#,
            r#"{"amount": true}"#,
        ] {
            assert!(amount(body).unwrap_err().contains_key("amount"), "{body}");
        }
    }

    #[test]
    fn a_whole_number_written_with_a_fraction_is_an_integer_and_a_fraction_is_refused() {
        let body: Body = parse_json(r#"{"limit": 51.0, "items": [1.0, 2]}"#).unwrap();
        assert_eq!((body.limit, body.items), (Some(51), Some(vec![1, 2])));
        assert!(parse_json::<Body>(r#"{"limit": 51.5}"#).unwrap_err().contains_key("limit"));
        assert!(parse_json::<Body>(r#"{"limit": 1e300}"#).unwrap_err().contains_key("limit"));
        assert!(parse_json::<Body>(r#"{"limit": 1} trailing"#).unwrap_err().contains_key("body"));
        assert!(parse_json::<Body>(r#"[1]"#).unwrap_err().contains_key("body"));
        assert!(parse_json::<Body>(r#"{"items": ["x"]}"#).unwrap_err().contains_key("items.0"));
        assert!(parse_json::<Body>(r#"{"limit": 1, "limit": 2.0}"#).is_err(), "a repeated field");
        assert!(parse_json::<Body>(r#"{"limit":"#).unwrap_err().contains_key("limit"), "cut off in limit");
    }
}
