//! Charts as inline SVG written on the server: each is an image with a title and a description for screen
//! readers, labelled axes, and its numbers in a table beneath (`details`), so nothing is only in the picture.

use super::kit::{figure, group};
use maud::{Markup, html};

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 240.0;
/// Room for the axes' labels.
const LEFT: f64 = 64.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 36.0;

/// A point of a series over time: its period's label and value.
pub struct Point {
    pub period: String,
    pub value: f64,
}

/// A forecast point with its 80 % and 95 % bands.
pub struct Forecast {
    pub period: String,
    pub expected: f64,
    pub band_80: (f64, f64),
    pub band_95: (f64, f64),
}

/// The history as a line, the forecast as a dashed line after it, inside its 95 % and 80 % bands.
pub fn history_and_forecast(id: &str, title: &str, unit: &str, history: &[Point], forecast: &[Forecast]) -> Markup {
    let count = history.len() + forecast.len();
    let values =
        history.iter().map(|p| p.value).chain(forecast.iter().flat_map(|f| [f.band_95.0, f.band_95.1, f.expected]));
    let (low, high) = bounds(values);
    let x = |i: usize| LEFT + (WIDTH - LEFT - RIGHT) * i as f64 / (count.max(2) - 1) as f64;
    let y = |v: f64| TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - (v - low) / (high - low));
    let line = |points: &mut dyn Iterator<Item = (usize, f64)>| -> String {
        points.map(|(i, v)| format!("{:.1},{:.1}", x(i), y(v))).collect::<Vec<_>>().join(" ")
    };
    let offset = history.len();
    let band = |pick: &dyn Fn(&Forecast) -> (f64, f64)| -> String {
        let upper = forecast.iter().enumerate().map(|(i, f)| (offset + i, pick(f).1));
        let lower = forecast.iter().enumerate().rev().map(|(i, f)| (offset + i, pick(f).0));
        line(&mut upper.chain(lower))
    };
    // The forecast's line starts at the last actual point, so the two read as one.
    let joined: Vec<(usize, f64)> = history
        .last()
        .map(|p| (offset - 1, p.value))
        .into_iter()
        .chain(forecast.iter().enumerate().map(|(i, f)| (offset + i, f.expected)))
        .collect();
    let first = history.first().map(|p| p.period.as_str()).or(forecast.first().map(|f| f.period.as_str()));
    let last = forecast.last().map(|f| f.period.as_str()).or(history.last().map(|p| p.period.as_str()));
    let summary = format!(
        "{} actual points{}; the forecast covers {} more periods{}.",
        history.len(),
        history.last().map(|p| format!(", the last {} {}", group(p.value), unit)).unwrap_or_default(),
        forecast.len(),
        forecast
            .last()
            .map(|f| format!(
                ", ending at {} {} expected (95 %: {} to {})",
                group(f.expected),
                unit,
                group(f.band_95.0),
                group(f.band_95.1)
            ))
            .unwrap_or_default()
    );
    html! {
        figure.chart {
            svg role="img" viewBox=(format!("0 0 {WIDTH} {HEIGHT}")) aria-labelledby=(format!("{id}-t {id}-d")) {
                title id=(format!("{id}-t")) { (title) }
                desc id=(format!("{id}-d")) { (summary) }
                (axes(low, high, unit, first, last))
                @if !forecast.is_empty() {
                    polygon.band95 points=(band(&|f| f.band_95)) {}
                    polygon.band80 points=(band(&|f| f.band_80)) {}
                    polyline.forecast points=(line(&mut joined.iter().copied())) {}
                }
                polyline.actual points=(line(&mut history.iter().enumerate().map(|(i, p)| (i, p.value)))) {}
            }
            figcaption {
                span.key.actual { "actual" } " "
                span.key.forecast { "forecast" } " "
                span.key.band80 { "80 % band" } " "
                span.key.band95 { "95 % band" }
            }
            details {
                summary { "Data table: " (title) }
                div.scroll tabindex="0" role="region" aria-label=(format!("{title}: data")) {
                    table {
                        thead { tr { th scope="col" { "Period" } th.n scope="col" { "Actual" } th.n scope="col" { "Expected" } th.n scope="col" { "80 %" } th.n scope="col" { "95 %" } } }
                        tbody {
                            @for p in history { tr { td { (p.period) } td.n { (group(p.value)) } td {} td {} td {} } }
                            @for f in forecast {
                                tr {
                                    td { (f.period) } td {} td.n { (group(f.expected)) }
                                    td.n { (group(f.band_80.0)) " – " (group(f.band_80.1)) }
                                    td.n { (group(f.band_95.0)) " – " (group(f.band_95.1)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// One bar's segment: its label, value (negative below the axis) and colour class.
pub struct Segment {
    pub label: &'static str,
    pub value: f64,
    pub class: &'static str,
}

/// Bars of stacked segments, gains above the zero line and losses below (MRR movements).
pub fn stacked_bars(id: &str, title: &str, unit: &str, bars: &[(String, Vec<Segment>)]) -> Markup {
    let sums = bars.iter().flat_map(|(_, segments)| {
        let up: f64 = segments.iter().map(|s| s.value.max(0.0)).sum();
        let down: f64 = segments.iter().map(|s| s.value.min(0.0)).sum();
        [up, down]
    });
    let (low, high) = bounds(sums.chain([0.0]));
    let y = |v: f64| TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - (v - low) / (high - low));
    let slot = (WIDTH - LEFT - RIGHT) / bars.len().max(1) as f64;
    let width = (slot * 0.5).min(120.0);
    let summary = bars
        .iter()
        .map(|(name, segments)| {
            let parts: Vec<String> = segments.iter().map(|s| format!("{} {}", s.label, group(s.value))).collect();
            format!("{name}: {}", parts.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ");
    html! {
        figure.chart {
            svg role="img" viewBox=(format!("0 0 {WIDTH} {HEIGHT}")) aria-labelledby=(format!("{id}-t {id}-d")) {
                title id=(format!("{id}-t")) { (title) }
                desc id=(format!("{id}-d")) { (summary) " (" (unit) ")." }
                (axes(low, high, unit, None, None))
                line.zero x1=(LEFT) x2=(WIDTH - RIGHT) y1=(format!("{:.1}", y(0.0))) y2=(format!("{:.1}", y(0.0))) {}
                @for (i, (name, segments)) in bars.iter().enumerate() {
                    @let left = LEFT + slot * i as f64 + (slot - width) / 2.0;
                    @let mut up = 0.0_f64;
                    @let mut down = 0.0_f64;
                    @for s in segments {
                        @let (from, to) = if s.value >= 0.0 { let f = up; up += s.value; (f, up) } else { let f = down; down += s.value; (f, down) };
                        rect class=(s.class) x=(format!("{left:.1}")) width=(format!("{width:.1}"))
                            y=(format!("{:.1}", y(from.max(to)))) height=(format!("{:.1}", (y(from.min(to)) - y(from.max(to))).max(0.0))) {
                            title { (name) ", " (s.label) ": " (group(s.value)) " " (unit) }
                        }
                    }
                    text.label x=(format!("{:.1}", left + width / 2.0)) y=(HEIGHT - 8.0) text-anchor="middle" { (name) }
                }
            }
            figcaption {
                @for s in bars.first().map(|(_, s)| s.as_slice()).unwrap_or_default() {
                    span class={ "key " (s.class) } { (s.label) } " "
                }
            }
            details {
                summary { "Data table: " (title) }
                div.scroll tabindex="0" role="region" aria-label=(format!("{title}: data")) {
                    table {
                        thead { tr { th scope="col" { "" } @for s in bars.first().map(|(_, s)| s.as_slice()).unwrap_or_default() { th.n scope="col" { (s.label) } } } }
                        tbody { @for (name, segments) in bars { tr { th scope="row" { (name) } @for s in segments { td.n { (group(s.value)) } } } } }
                    }
                }
            }
        }
    }
}

/// Horizontal bars of shares (a breakdown), with their figures beside them.
pub fn share_bars(id: &str, title: &str, rows: &[(String, f64, String)]) -> Markup {
    let most = rows.iter().map(|(_, v, _)| *v).fold(0.0_f64, f64::max).max(f64::MIN_POSITIVE);
    let row_height = 22.0;
    let height = row_height * rows.len() as f64 + 8.0;
    let label_width = 150.0;
    let summary = rows.iter().map(|(name, _, shown)| format!("{name} {shown}")).collect::<Vec<_>>().join(", ");
    html! {
        svg role="img" viewBox=(format!("0 0 {WIDTH} {height}")) aria-labelledby=(format!("{id}-t {id}-d")) {
            title id=(format!("{id}-t")) { (title) }
            desc id=(format!("{id}-d")) { (summary) }
            @for (i, (name, value, shown)) in rows.iter().enumerate() {
                @let top = 4.0 + row_height * i as f64;
                @let length = (WIDTH - label_width - 110.0) * value / most;
                text.label x="0" y=(format!("{:.1}", top + 15.0)) { (shorten(name, 22)) }
                rect.bar x=(label_width) y=(format!("{top:.1}")) width=(format!("{:.1}", length.max(1.0))) height=(row_height - 6.0) {}
                text.label x=(format!("{:.1}", label_width + length + 6.0)) y=(format!("{:.1}", top + 15.0)) { (shown) }
            }
        }
    }
}

fn shorten(text: &str, most: usize) -> String {
    if text.chars().count() <= most { text.to_owned() } else { text.chars().take(most - 1).collect::<String>() + "…" }
}

/// The value axis (its bounds and middle, in `unit`) and the time axis's first and last labels.
fn axes(low: f64, high: f64, unit: &str, first: Option<&str>, last: Option<&str>) -> Markup {
    let y = |v: f64| TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - (v - low) / (high - low));
    let ticks = [low, (low + high) / 2.0, high];
    html! {
        g.axis {
            line x1=(LEFT) x2=(LEFT) y1=(TOP) y2=(HEIGHT - BOTTOM) {}
            line x1=(LEFT) x2=(WIDTH - RIGHT) y1=(HEIGHT - BOTTOM) y2=(HEIGHT - BOTTOM) {}
            @for t in ticks {
                text.label x=(LEFT - 6.0) y=(format!("{:.1}", y(t) + 4.0)) text-anchor="end" { (figure(Some(&serde_json::json!((t * 100.0).round() / 100.0)))) }
            }
            text.label x="12" y=(format!("{:.1}", (TOP + HEIGHT - BOTTOM) / 2.0)) text-anchor="middle"
                transform=(format!("rotate(-90 12 {:.1})", (TOP + HEIGHT - BOTTOM) / 2.0)) { (unit) }
            @if let Some(first) = first { text.label x=(LEFT) y=(HEIGHT - 8.0) { (first) } }
            @if let Some(last) = last { text.label x=(WIDTH - RIGHT) y=(HEIGHT - 8.0) text-anchor="end" { (last) } }
        }
    }
}

/// The range the values span, never empty (a flat series gets room above it).
fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (low, high) = values.filter(|v| v.is_finite()).fold((f64::MAX, f64::MIN), |(l, h), v| (l.min(v), h.max(v)));
    if low > high {
        return (0.0, 1.0);
    }
    let low = low.min(0.0);
    if (high - low).abs() < f64::EPSILON { (low, low + 1.0) } else { (low, high) }
}
