//! `PUT /api/profile` input and its rules (the original's UpdateProfileRequest). Every field is optional: only
//! the ones sent change. Unknown fields (`role`, `id`, `total_paid`, ...) are ignored, so a customer cannot
//! promote themselves. `phone: null` (or `""`) removes the phone number.

use garde::Validate;
use proxy_core::domain::{ProfileChanges, ThemeMode};
use proxy_core::validation::FieldErrors;
use proxy_core::validation::parse_json;
use serde::{Deserialize, Deserializer};

pub const LOCALES: [&str; 6] = ["en", "fr", "es", "ru", "ar", "zh"];

/// `Some(None)` for an explicit `null`, `None` for a field not sent.
fn explicit_null<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Clone, Default, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct UpdateProfileRequest {
    // The rules hold for the trimmed text (`into_changes`); the schema says the same of the text as sent:
    // surrounding spaces, then 1 to 255 letters and spaces starting and ending with a letter.
    #[garde(custom(text_rule(1, 255, "may only contain letters and spaces", |c| c.is_alphabetic() || c == ' ')))]
    #[cfg_attr(
        feature = "openapi",
        schemars(pattern(proxy_core::validation::trimmed_pattern(r"\p{Alpha}([\p{Alpha} ]{0,253}\p{Alpha})?")))
    )]
    pub name: Option<String>,
    #[garde(custom(text_rule(1, 50, "may only contain letters, numbers, dashes and underscores", |c| c.is_alphanumeric() || c == '-' || c == '_')))]
    #[cfg_attr(
        feature = "openapi",
        schemars(pattern(proxy_core::validation::trimmed_pattern(r"[\p{Alpha}\p{N}_-]{1,50}")))
    )]
    pub username: Option<String>,
    #[garde(length(chars, max = 255), email)]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "explicit_null")]
    #[garde(custom(valid_phone))]
    #[cfg_attr(feature = "openapi", schemars(schema_with = "phone_schema"))]
    pub phone: Option<Option<String>>,
    #[garde(custom(valid_locale))]
    #[cfg_attr(feature = "openapi", schemars(extend("enum" = proxy_core::validation::optional_one_of(&LOCALES))))]
    pub locale: Option<String>,
    #[garde(length(chars, max = 50), custom(valid_timezone))]
    #[cfg_attr(feature = "openapi", schemars(extend("enum" = proxy_core::validation::optional_one_of(&proxy_core::time_zone::names()))))]
    pub timezone: Option<String>,
    /// ISO 3166-1 alpha-2 (any case; stored upper-case): the geography factor of pricing uses it.
    #[garde(custom(valid_country))]
    #[cfg_attr(feature = "openapi", schemars(pattern("^[A-Za-z]{2}$")))]
    pub country: Option<String>,
    #[garde(skip)]
    pub theme_mode: Option<ThemeMode>,
    #[garde(skip)]
    pub email_notifications: Option<bool>,
}

/// An optional text of `min..=max` characters, each `allowed`.
fn text_rule(
    min: usize,
    max: usize,
    message: &'static str,
    allowed: fn(char) -> bool,
) -> impl FnOnce(&Option<String>, &()) -> garde::Result {
    move |value, _| {
        let Some(text) = value else { return Ok(()) };
        let length = text.chars().count();
        if length < min {
            return Err(garde::Error::new(format!("must have a length of at least {min}")));
        }
        if length > max {
            return Err(garde::Error::new(format!("must have a length of at most {max}")));
        }
        if !text.chars().all(allowed) {
            return Err(garde::Error::new(message));
        }
        Ok(())
    }
}

/// `^[+]?[0-9 ()-]+$`, at most 20 characters.
fn valid_phone(value: &Option<Option<String>>, _: &()) -> garde::Result {
    let Some(Some(phone)) = value else { return Ok(()) };
    if phone.is_empty() {
        return Ok(());
    }
    let digits = phone.strip_prefix('+').unwrap_or(phone);
    let shape = !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit() || " ()-".contains(c));
    if !shape {
        return Err(garde::Error::new("must be digits, spaces, dashes and parentheses, optionally after a +"));
    }
    if phone.chars().count() > 20 {
        return Err(garde::Error::new("may not be longer than 20 characters"));
    }
    Ok(())
}

/// `valid_phone` as a schema, of the text as sent (the rule holds once it is trimmed): null or blank removes the
/// number; else an optional +, then up to 20 characters in all of digits, spaces, dashes and parentheses, not
/// ending in a space.
#[cfg(feature = "openapi")]
fn phone_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let pattern =
        proxy_core::validation::trimmed_pattern(r"(\+[0-9 ()-]{0,18}[0-9()-]|[0-9()-]([0-9 ()-]{0,18}[0-9()-])?)?");
    schemars::json_schema!({"anyOf": [{"type": "null"}, {"type": "string", "pattern": pattern}]})
}

fn valid_country(value: &Option<String>, _: &()) -> garde::Result {
    match value {
        Some(code) if code.len() != 2 || !code.chars().all(|c| c.is_ascii_alphabetic()) => {
            Err(garde::Error::new("must be a two-letter ISO 3166-1 country code"))
        }
        _ => Ok(()),
    }
}

fn valid_locale(value: &Option<String>, _: &()) -> garde::Result {
    match value {
        Some(locale) if !LOCALES.contains(&locale.as_str()) => {
            Err(garde::Error::new(format!("must be one of: {}", LOCALES.join(", "))))
        }
        _ => Ok(()),
    }
}

fn valid_timezone(value: &Option<String>, _: &()) -> garde::Result {
    match value {
        Some(zone) if !proxy_core::time_zone::is_time_zone(zone) => {
            Err(garde::Error::new("must be an IANA time zone such as Europe/Paris"))
        }
        _ => Ok(()),
    }
}

impl UpdateProfileRequest {
    /// Parses a body; a wrong JSON shape gets a field error (never a 500).
    pub fn parse(body: &str) -> Result<UpdateProfileRequest, FieldErrors> {
        parse_json(body)
    }

    pub fn into_changes(self) -> Result<ProfileChanges, FieldErrors> {
        let trimmed = |v: Option<String>| v.map(|s| s.trim().to_owned());
        // Rules apply to what is stored: surrounding spaces are not part of a username or e-mail.
        let request = UpdateProfileRequest {
            name: trimmed(self.name),
            username: trimmed(self.username),
            email: trimmed(self.email),
            phone: self.phone.map(|p| trimmed(p).filter(|p| !p.is_empty())),
            ..self
        };
        proxy_core::validation::check(&request)?;
        Ok(ProfileChanges {
            name: request.name,
            username: request.username,
            email: request.email,
            phone: request.phone,
            locale: request.locale,
            timezone: request.timezone,
            country: request.country.map(|c| c.to_uppercase()),
            theme_mode: request.theme_mode,
            email_notifications: request.email_notifications,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors_of(body: &str) -> FieldErrors {
        match UpdateProfileRequest::parse(body) {
            Ok(request) => request.into_changes().err().unwrap_or_default(),
            Err(errors) => errors,
        }
    }

    #[test]
    fn every_rule_of_the_original_is_enforced() {
        let cases: &[(&str, &str)] = &[
            (r#"{"name":"R2 D2"}"#, "name"),
            (r#"{"name":""}"#, "name"),
            (&format!(r#"{{"name":"{}"}}"#, "a".repeat(256)), "name"),
            (r#"{"username":"has space"}"#, "username"),
            (r#"{"username":"dot.ted"}"#, "username"),
            (&format!(r#"{{"username":"{}"}}"#, "u".repeat(51)), "username"),
            (r#"{"email":"not-an-email"}"#, "email"),
            (r#"{"phone":"call me"}"#, "phone"),
            (r#"{"phone":"+"}"#, "phone"),
            (r#"{"phone":"+1 (555) 000-0000-000"}"#, "phone"),
            (r#"{"locale":"de"}"#, "locale"),
            (r#"{"timezone":"Mars/Olympus"}"#, "timezone"),
            (r#"{"timezone":"UTC+2"}"#, "timezone"),
            (r#"{"theme_mode":"neon"}"#, "theme_mode"),
            (r#"{"email_notifications":"yes"}"#, "email_notifications"),
        ];
        for (body, field) in cases {
            let errors = errors_of(body);
            assert!(errors.contains_key(*field), "{body}: {errors:?}");
            assert_eq!(errors.len(), 1, "{body}: {errors:?}");
        }
    }

    #[test]
    fn valid_values_pass_and_unknown_fields_are_ignored() {
        let body = r#"{"name":"Zoë Ångström","username":"zoe_a-1","email":" zoe@example.com ","phone":"+33 (1) 23-45",
            "locale":"fr","timezone":"Europe/Paris","theme_mode":"dark","email_notifications":false,
            "role":"admin","id":"someone-else","total_paid":"1000000"}"#;
        let changes = UpdateProfileRequest::parse(body).unwrap().into_changes().unwrap();
        assert_eq!(changes.email.as_deref(), Some("zoe@example.com"));
        assert_eq!(changes.phone, Some(Some("+33 (1) 23-45".to_owned())));
        assert_eq!(changes.theme_mode, Some(ThemeMode::Dark));
        assert_eq!(changes.email_notifications, Some(false));
    }

    #[test]
    fn a_null_or_empty_phone_removes_it_and_absent_fields_stay() {
        for body in [r#"{"phone":null}"#, r#"{"phone":""}"#] {
            let changes = UpdateProfileRequest::parse(body).unwrap().into_changes().unwrap();
            assert_eq!(changes, ProfileChanges { phone: Some(None), ..Default::default() });
        }
        let changes = UpdateProfileRequest::parse("{}").unwrap().into_changes().unwrap();
        assert_eq!(changes, ProfileChanges::default());
    }
}
