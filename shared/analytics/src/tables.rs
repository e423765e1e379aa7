//! A stored report as CSV tables — one per table section (summary, breakdowns, top customers, conversion, MRR, cohorts,
//! segments, functions, jobs, uptime, servers, locations, forecasts) — one at a time or all in one zip.
//!
//! Rows are read from the report's JSON, so a report stored by an earlier release is still downloadable: a
//! row's columns are its fields, nested objects flattened (`sales.revenue`).

use crate::reports::Report;
use serde_json::{Map, Value};
use std::io::Write;

/// The tables of a report, by name.
pub const TABLES: [&str; 17] = [
    "summary",
    "revenue_by_payment_method",
    "revenue_by_location",
    "revenue_by_plan",
    "top_customers",
    "conversion",
    "mrr",
    "cohorts",
    "segments_by_tier",
    "segments_by_country",
    "functions",
    "slowest_routes",
    "jobs",
    "uptime",
    "servers",
    "locations",
    "forecasts",
];

fn rows_at(value: &Value) -> Vec<Value> {
    value.as_array().cloned().unwrap_or_default()
}

/// The rows of one table (None for a name that is not one).
pub fn rows(report: &Report, table: &str) -> Option<Vec<Value>> {
    let business = &report.business;
    Some(match table {
        "summary" => summary(report),
        "revenue_by_payment_method" => rows_at(&business["current"]["by_payment_method"]),
        "revenue_by_location" => rows_at(&business["current"]["by_location"]),
        "revenue_by_plan" => rows_at(&business["current"]["by_plan"]),
        "top_customers" => rows_at(&business["top_customers"]["customers"]),
        "conversion" => rows_at(&business["current"]["conversion"]),
        "mrr" => vec![business["mrr"].clone()],
        "cohorts" => rows_at(&report.users["cohorts"])
            .iter()
            .flat_map(|cohort| {
                rows_at(&cohort["retained"]).into_iter().map(move |retained| {
                    serde_json::json!({
                        "cohort": cohort["month"],
                        "cohort_customers": cohort["customers"],
                        "month_offset": retained["month_offset"],
                        "customers": retained["customers"],
                        "rate": retained["rate"],
                        "revenue": retained["revenue"],
                    })
                })
            })
            .collect(),
        "segments_by_tier" => rows_at(&report.users["segments"]["by_tier"]),
        "segments_by_country" => rows_at(&report.users["segments"]["by_country"]),
        "functions" => rows_at(&report.performance["functions"]),
        "slowest_routes" => rows_at(&report.performance["slowest_routes"]),
        "jobs" => rows_at(&report.performance["jobs"]),
        "uptime" => rows_at(&report.performance["uptime"]),
        "servers" => rows_at(&report.servers["servers"]),
        "locations" => rows_at(&report.servers["locations"]),
        "forecasts" => rows_at(&report.forecasts["series"])
            .iter()
            .flat_map(|series| {
                let points = rows_at(&series["points"]);
                if points.is_empty() {
                    return vec![serde_json::json!({
                        "metric": series["metric"],
                        "status": series["status"],
                        "message": series["message"],
                    })];
                }
                points
                    .into_iter()
                    .map(|point| {
                        let mut row = Map::new();
                        row.insert("metric".into(), series["metric"].clone());
                        row.insert("model".into(), series["model"].clone());
                        if let Value::Object(fields) = point {
                            row.extend(fields);
                        }
                        Value::Object(row)
                    })
                    .collect()
            })
            .collect(),
        _ => return None,
    })
}

/// The scalar figures of the period and the one before, one row each.
fn summary(report: &Report) -> Vec<Value> {
    let mut rows = Vec::new();
    let mut section = |name: &str, current: &Value, previous: &Value| {
        for (metric, value) in current.as_object().into_iter().flatten() {
            if value.is_array() || value.is_object() {
                continue;
            }
            rows.push(serde_json::json!({
                "section": name,
                "metric": metric,
                "current": value,
                "previous": previous[metric],
            }));
        }
    };
    section("business", &report.business["current"], &report.business["previous"]);
    section("users", &report.users["current"], &report.users["previous"]);
    rows
}

/// Columns that name a row, put first in this order.
const LEADING: [&str; 12] = [
    "section",
    "metric",
    "cohort",
    "window",
    "function",
    "job_type",
    "server_id",
    "name",
    "location",
    "value",
    "bucket",
    "period",
];

fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(fields) => {
            for (name, field) in fields {
                let name = if prefix.is_empty() { name.clone() } else { format!("{prefix}.{name}") };
                flatten(&name, field, out);
            }
        }
        Value::Array(items) => out.push((prefix.to_owned(), serde_json::to_string(items).unwrap_or_default())),
        Value::Null => out.push((prefix.to_owned(), String::new())),
        Value::String(text) => out.push((prefix.to_owned(), text.clone())),
        other => out.push((prefix.to_owned(), other.to_string())),
    }
}

/// A table as CSV: a header of every column any row has (in order of appearance), a line per row.
pub fn csv(rows: &[Value]) -> Vec<u8> {
    let flat: Vec<Vec<(String, String)>> = rows
        .iter()
        .map(|row| {
            let mut cells = Vec::new();
            flatten("", row, &mut cells);
            cells
        })
        .collect();
    let mut columns: Vec<String> = Vec::new();
    for cells in &flat {
        for (column, _) in cells {
            if !columns.contains(column) {
                columns.push(column.clone());
            }
        }
    }
    if columns.is_empty() {
        // No rows: nothing says what the columns would be.
        return Vec::new();
    }
    // The row's name first (JSON objects come back with their fields in alphabetical order).
    for name in LEADING.iter().rev() {
        if let Some(at) = columns.iter().position(|c| c == name) {
            let column = columns.remove(at);
            columns.insert(0, column);
        }
    }
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    // Writing to memory cannot fail; a row's cells are as many as the header's.
    let _ = writer.write_record(&columns);
    for cells in &flat {
        let record: Vec<&str> = columns
            .iter()
            .map(|column| cells.iter().find(|(c, _)| c == column).map_or("", |(_, v)| v.as_str()))
            .collect();
        let _ = writer.write_record(&record);
    }
    writer.into_inner().unwrap_or_default()
}

/// Every table of the report as `<table>.csv` in one zip (stored, not compressed: the tables are small).
pub fn zip(report: &Report) -> std::io::Result<Vec<u8>> {
    zip_tables(TABLES.iter().map(|table| (*table, rows(report, table).unwrap_or_default())))
}

/// Named tables of JSON rows as `<name>.csv` in one zip, stored.
pub fn zip_tables<'a>(tables: impl IntoIterator<Item = (&'a str, Vec<Value>)>) -> std::io::Result<Vec<u8>> {
    let mut archive = ::zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = ::zip::write::SimpleFileOptions::default().compression_method(::zip::CompressionMethod::Stored);
    for (name, rows) in tables {
        archive.start_file(format!("{name}.csv"), options).map_err(std::io::Error::other)?;
        archive.write_all(&csv(&rows))?;
    }
    Ok(archive.finish().map_err(std::io::Error::other)?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_fields_become_columns_and_missing_ones_stay_empty() {
        let rows = vec![
            serde_json::json!({"value": "Frankfurt", "sales": {"revenue": "84.00", "orders": 3}}),
            serde_json::json!({"value": "Paris, \"centre\"", "sales": {"revenue": "1.00"}, "note": null}),
        ];
        let text = String::from_utf8(csv(&rows)).unwrap();
        assert_eq!(
            text,
            "value,sales.orders,sales.revenue,note\nFrankfurt,3,84.00,\n\"Paris, \"\"centre\"\"\",,1.00,\n"
        );
        assert!(csv(&[]).is_empty());
    }
}
