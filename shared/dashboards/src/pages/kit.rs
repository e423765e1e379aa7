//! The pieces every page is made of: the page and its panels, tables over the JSON the endpoints answer with,
//! and figures written for people (amounts, percentages, times). Everything goes through maud, which escapes.

use maud::{Markup, PreEscaped, html};
use serde_json::Value;

/// A page's content, which the shell places in its `<main>`: a heading, when it was made, what could not be
/// read, then its panels. `refresh`: seconds between the shell's reloads of the panels marked live.
pub fn page(
    name: &str,
    title: &str,
    generated: &str,
    unavailable: &[String],
    refresh: Option<u32>,
    body: Markup,
) -> Markup {
    html! {
        div.page data-page=(name) data-refresh=[refresh] {
            h1 { (title) }
            p.meta { "As of " time datetime=(generated) { (when_text(generated)) } }
            @if !unavailable.is_empty() {
                div.notice role="alert" {
                    p { "Some parts could not be read; the rest is shown:" }
                    ul { @for part in unavailable { li { (part) } } }
                }
            }
            div.panels { (body) }
        }
    }
}

/// A panel: a titled section the shell can reload on its own when `live`.
pub fn panel(name: &str, title: &str, live: bool, body: Markup) -> Markup {
    let heading = format!("panel-{name}");
    html! {
        section.panel data-panel=(name) data-live[live] aria-labelledby=(heading) {
            h2 id=(heading) { (title) }
            (body)
        }
    }
}

/// An endpoint's answer as JSON for a panel, or None with the reason named in `unavailable` (the page shows
/// the rest).
pub fn part<T: serde::Serialize>(
    name: &str,
    answer: Result<T, api::ApiError>,
    unavailable: &mut Vec<String>,
) -> Option<Value> {
    match answer {
        Ok(value) => Some(serde_json::to_value(value).unwrap_or_default()),
        Err(error) => {
            unavailable.push(format!("{name}: {}", error.message));
            None
        }
    }
}

/// `live=1`: the page's periodic reload, which asks for its live panels only.
pub fn live_reload(request: &api::ApiRequest) -> Result<bool, api::ApiError> {
    match request.query().get("live").map(String::as_str) {
        None => Ok(false),
        Some("1") => Ok(true),
        Some(_) => {
            let mut errors = api::FieldErrors::new();
            proxy_core::validation::add_error(&mut errors, "live", "must be 1");
            Err(api::ApiError::validation(errors))
        }
    }
}

/// A panel whose data could not be read: says so instead of showing nothing.
pub fn missing(what: &str) -> Markup {
    html! { p.empty { (what) " could not be read just now." } }
}

/// A column of a table over JSON rows: its heading, and how a row's cell is written.
pub struct Column<'a> {
    pub heading: &'a str,
    pub cell: Box<dyn Fn(&Value) -> Markup + 'a>,
    pub numeric: bool,
}

/// A column showing the text at `pointer` (a JSON pointer into the row, `/slots/free`).
pub fn col<'a>(heading: &'a str, pointer: &'a str) -> Column<'a> {
    Column { heading, cell: Box::new(move |row| html! { (text(row.pointer(pointer))) }), numeric: false }
}

/// A numeric column (right-aligned) showing the figure at `pointer`.
pub fn num<'a>(heading: &'a str, pointer: &'a str) -> Column<'a> {
    Column { heading, cell: Box::new(move |row| html! { (figure(row.pointer(pointer))) }), numeric: true }
}

/// A percentage column.
pub fn pct<'a>(heading: &'a str, pointer: &'a str) -> Column<'a> {
    Column { heading, cell: Box::new(move |row| html! { (percent(row.pointer(pointer))) }), numeric: true }
}

/// A column written by `cell`.
pub fn custom<'a>(heading: &'a str, numeric: bool, cell: impl Fn(&Value) -> Markup + 'a) -> Column<'a> {
    Column { heading, cell: Box::new(cell), numeric }
}

/// A table of `rows` with a caption (visually hidden when the panel's heading says it), in a wrapper that
/// scrolls sideways on a narrow screen (focusable, so a keyboard can scroll it). `row_attr` names an
/// attribute every row carries (`data-job-id`) and the pointer of its value.
pub fn table(caption: &str, rows: &[Value], columns: &[Column], row_attr: Option<(&'static str, &str)>) -> Markup {
    if rows.is_empty() {
        return html! { p.empty { "None." } };
    }
    html! {
        div.scroll tabindex="0" role="region" aria-label=(caption) {
            table {
                caption.sr-only { (caption) }
                thead { tr { @for c in columns { th scope="col" class=[c.numeric.then_some("n")] { (c.heading) } } } }
                tbody {
                    @for row in rows {
                        @let cells = html! { tr { @for c in columns { td class=[c.numeric.then_some("n")] { ((c.cell)(row)) } } } };
                        @match row_attr {
                            Some((name, pointer)) => (with_attribute(cells, "<tr", name, &text(row.pointer(pointer)))),
                            None => (cells),
                        }
                    }
                }
            }
        }
    }
}

/// The text of a JSON value: strings as they are, numbers as JSON writes them, nothing as an em dash.
pub fn text(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "—".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => if *b { "yes" } else { "no" }.to_owned(),
        Some(Value::Array(items)) if items.is_empty() => "—".to_owned(),
        Some(Value::Array(items)) => items.iter().map(|i| text(Some(i))).collect::<Vec<_>>().join(", "),
        Some(other) => other.to_string(),
    }
}

/// A figure (a number, or a decimal the API writes as a string), with at most two decimals and thousands
/// separated, so columns read alike.
pub fn figure(value: Option<&Value>) -> String {
    match value {
        Some(Value::Number(n)) => n.as_f64().map_or_else(|| n.to_string(), group),
        // A decimal the API writes as text keeps its own places (up to two): money reads `5.00`, not `5`.
        Some(Value::String(s)) => match s.parse::<f64>() {
            Ok(n) => {
                let places = s.split_once('.').map_or(0, |(_, d)| d.len().min(2));
                group_with(n, places)
            }
            Err(_) => s.clone(),
        },
        _ => text(value),
    }
}

/// `12345.678` -> `12,345.68`; whole numbers without decimals.
pub fn group(n: f64) -> String {
    group_with(n, if n.fract() == 0.0 && n.abs() < 1e15 { 0 } else { 2 })
}

/// `n` with `places` decimals and its thousands separated.
fn group_with(n: f64, places: usize) -> String {
    let fixed = format!("{n:.places$}");
    let (sign, digits) = fixed.strip_prefix('-').map_or(("", fixed.as_str()), |d| ("-", d));
    let (whole, decimals) = digits.split_once('.').map_or((digits, None), |(w, d)| (w, Some(d)));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match decimals {
        Some(d) => format!("{sign}{grouped}.{d}"),
        None => format!("{sign}{grouped}"),
    }
}

/// A percentage: `53.53` -> `53.53 %`; a rate in 0..1 is the caller's to scale.
pub fn percent(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "—".to_owned(),
        v => format!("{} %", figure(v)),
    }
}

/// An RFC 3339 time as people read it in a table: `2026-11-30 18:04 UTC`.
pub fn when_text(at: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(at) {
        Ok(t) => t.with_timezone(&chrono::Utc).format("%Y-%m-%d %H:%M UTC").to_string(),
        Err(_) => at.to_owned(),
    }
}

/// A time cell: the readable text, the exact time in the markup.
pub fn when(value: Option<&Value>) -> Markup {
    match value.and_then(Value::as_str) {
        Some(at) => html! { time datetime=(at) { (when_text(at)) } },
        None => html! { "—" },
    }
}

/// A state as a badge whose colour says how good it is, with the word itself (colour is never the only cue).
pub fn badge(state: &str) -> Markup {
    let tone = match state {
        "healthy" | "up" | "normal" | "in_force" | "balanced" | "done" | "completed" | "hold" => "good",
        "degraded" | "warning" | "paused" | "draining" | "scheduled" | "acknowledged" | "open" => "warn",
        "critical" | "down" | "unhealthy" | "failed" | "expired" | "ended" => "bad",
        _ => "neutral",
    };
    html! { span class={ "badge " (tone) } { (state.replace('_', " ")) } }
}

/// A tile: a figure with its label and, optionally, its change against the previous period.
pub fn tile(label: &str, value: &str, change: Option<&Value>) -> Markup {
    let change = change.and_then(|c| c.as_str().map(str::to_owned).or_else(|| c.as_f64().map(|f| f.to_string())));
    html! {
        div.tile {
            span.label { (label) }
            span.value { (value) }
            @if let Some(change) = change {
                @let down = change.starts_with('-');
                span class={ "change " (if down { "down" } else { "up" }) } {
                    (if down { "▼ " } else { "▲ " }) (change.trim_start_matches('-')) " %"
                    span.sr-only { (if down { " lower" } else { " higher" }) " than the previous period" }
                }
            }
        }
    }
}

/// An id as one segment of a URL path: everything but the unreserved characters (and `:`, `@`) percent-encoded,
/// so an id can never make an action's URL name another route.
pub fn segment(id: &str) -> String {
    const KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~')
        .remove(b':')
        .remove(b'@');
    percent_encoding::utf8_percent_encode(id, KEEP).to_string()
}

/// A button that runs one of the API's actions from the page (`shell.js` sends it with the reader's token).
pub struct Action<'a> {
    pub label: &'a str,
    pub method: &'a str,
    pub url: String,
    pub body: Option<Value>,
    /// Asked before the action runs (`window.confirm`).
    pub confirm: Option<String>,
    /// What the status line says when it worked.
    pub done: String,
    /// The hook browser tests and people's scripts find it by.
    pub test: &'a str,
    /// More attributes for tests to find what the action acts on (`data-alert-id`).
    pub about: Option<(&'static str, String)>,
}

pub fn action(a: Action) -> Markup {
    let body = a.body.map(|b| b.to_string());
    let button = html! {
        button type="button" data-action=(a.url) data-method=(a.method) data-body=[body]
            data-confirm=[a.confirm] data-done=(a.done) data-test=(a.test) { (a.label) }
    };
    match a.about {
        Some((name, value)) => with_attribute(button, "<button", name, &value),
        None => button,
    }
}

/// `markup` with the attribute `name="value"` added to its first `tag` (maud names attributes at compile time
/// only; `name` is one of this crate's constants, `value` is escaped).
pub fn with_attribute(markup: Markup, tag: &str, name: &'static str, value: &str) -> Markup {
    let value = html! { (value) }.into_string();
    PreEscaped(markup.into_string().replacen(tag, &format!("{tag} {name}=\"{value}\""), 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_grouped_with_at_most_two_decimals() {
        assert_eq!(group(0.0), "0");
        assert_eq!(group(1234567.0), "1,234,567");
        assert_eq!(group(-1234.5), "-1,234.50");
        assert_eq!(group(999.999), "1,000.00");
        assert_eq!(figure(Some(&Value::String("22138.19".into()))), "22,138.19");
        assert_eq!(figure(Some(&Value::String("5.00".into()))), "5.00");
        assert_eq!(figure(Some(&Value::String("1234.5".into()))), "1,234.5");
        assert_eq!(figure(Some(&Value::String("30".into()))), "30");
        assert_eq!(figure(Some(&Value::Null)), "—");
        assert_eq!(figure(Some(&Value::String("n/a: no churn".into()))), "n/a: no churn");
        assert_eq!(percent(Some(&serde_json::json!("53.53"))), "53.53 %");
    }

    #[test]
    fn an_id_is_one_path_segment() {
        assert_eq!(segment("expire:c-1:1795000000"), "expire:c-1:1795000000");
        assert_eq!(segment("../a/b?c#d e"), "..%2Fa%2Fb%3Fc%23d%20e");
    }

    #[test]
    fn an_added_attribute_is_escaped() {
        let markup = html! { tr { td { "x" } } };
        let with = with_attribute(markup, "<tr", "data-job-id", r#"a"><script>"#);
        assert_eq!(with.into_string(), r#"<tr data-job-id="a&quot;&gt;&lt;script&gt;"><td>x</td></tr>"#);
    }

    #[test]
    fn an_action_carries_its_body_and_confirmation_as_escaped_attributes() {
        let button = action(Action {
            label: "End",
            method: "POST",
            url: "/admin/pricing/promotions/A&B/end".into(),
            body: Some(serde_json::json!({"note": "<b>"})),
            confirm: Some("End \"A&B\"?".into()),
            done: "ended".into(),
            test: "end-promotion",
            about: None,
        })
        .into_string();
        assert!(button.contains(r#"data-action="/admin/pricing/promotions/A&amp;B/end""#), "{button}");
        assert!(button.contains(r#"data-body="{&quot;note&quot;:&quot;&lt;b&gt;&quot;}""#), "{button}");
        assert!(button.contains(r#"data-confirm="End &quot;A&amp;B&quot;?""#), "{button}");
    }
}
