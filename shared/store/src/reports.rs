//! Stored analytics reports: one header per report in a partition sorted by period (the list, newest first)
//! and the report's body in parts (DynamoDB holds 400 KB an item; a report with a thousand servers is more).
//!
//! A report is written part by part under a fresh generation, then its header is written conditionally: absent
//! (one report per period, whoever generates it) or, to replace it, still at the generation it was read at. A
//! reader follows the header to one generation's parts (read consistently, and counted), so it never sees a
//! half-written body; a replaced generation's parts expire an hour after the header moved on, so a reader that
//! read the old header still finds them.

use super::keys;
use chrono::{DateTime, Utc};
use proxy_core::error::{Backend, PortError, PortResult};
use proxy_core::ports::table::{
    Condition, Cursor, Index, KeyRange, Query, SK, TTL, Table, Update, UpdateAction, Value, number, string,
};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The size of a body part: well under DynamoDB's 400 KB item limit.
const PART_BYTES: usize = 300_000;
/// How long a replaced generation's parts stay readable.
const REPLACED_KEPT: chrono::Duration = chrono::Duration::hours(1);

/// What the list shows of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportHeader {
    pub id: String,
    pub kind: String,
    pub first_day: chrono::NaiveDate,
    pub last_day: chrono::NaiveDate,
    pub generated_at: DateTime<Utc>,
    /// When a forced run replaced an earlier report of the period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced_at: Option<DateTime<Utc>>,
    pub bytes: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Saved {
    Created,
    /// The period has a report already (`replace` was false): it stays.
    Exists(ReportHeader),
    Replaced,
}

#[derive(Clone)]
pub struct ReportStore {
    table: Arc<dyn Table>,
}

fn corrupt(detail: impl std::fmt::Display) -> PortError {
    PortError::corrupt(Backend::Store, detail)
}

impl ReportStore {
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self { table }
    }

    async fn stored_header(&self, id: &str) -> PortResult<Option<(ReportHeader, String, usize)>> {
        let Some(key) = keys::report_header(id) else { return Ok(None) };
        let Some(item) = self.table.get(&key).await? else { return Ok(None) };
        let text = |name: &str| match item.get(name) {
            Some(Value::S(s)) => Ok(s.clone()),
            _ => Err(corrupt(format!("report {id} without {name}"))),
        };
        let header: ReportHeader = serde_json::from_str(&text("header")?).map_err(corrupt)?;
        let parts = match item.get("parts") {
            Some(Value::N(n)) => n.parse().map_err(corrupt)?,
            _ => return Err(corrupt(format!("report {id} without parts"))),
        };
        Ok(Some((header, text("generation")?, parts)))
    }

    /// Stores `body` as report `header.id`: once per period, or in place of the one there with `replace`.
    pub async fn save(&self, header: &ReportHeader, body: &str, replace: bool) -> PortResult<Saved> {
        let Some(header_key) = keys::report_header(&header.id) else {
            return Err(PortError::Invalid { backend: Backend::Store, detail: format!("report id {}", header.id) });
        };
        let earlier = self.stored_header(&header.id).await?;
        if let Some((existing, _, _)) = &earlier
            && !replace
        {
            return Ok(Saved::Exists(existing.clone()));
        }
        let generation = uuid::Uuid::new_v4().simple().to_string();
        let parts = split(body);
        for (index, part) in parts.iter().enumerate() {
            let mut item = keys::report_part(&header.id, &generation, index).to_item();
            item.insert("body".into(), string(*part));
            self.table.put(item, None).await?;
        }
        let mut item = header_key.to_item();
        item.insert("header".into(), string(serde_json::to_string(header).map_err(corrupt)?));
        item.insert("generation".into(), string(generation.clone()));
        item.insert("parts".into(), number(parts.len()));
        let condition = match &earlier {
            None => Condition::NotExists,
            Some((_, previous, _)) => Condition::AttributeEquals("generation".into(), string(previous.clone())),
        };
        match self.table.put(item, Some(condition)).await {
            Ok(()) => {}
            Err(PortError::Conflict { .. }) => {
                // Another run got there first: its report stands, ours goes.
                self.delete_parts(&header.id, &generation, parts.len()).await?;
                return match self.stored_header(&header.id).await? {
                    Some((existing, _, _)) if !replace => Ok(Saved::Exists(existing)),
                    _ => Err(PortError::Conflict { op_index: None }),
                };
            }
            Err(e) => return Err(e),
        }
        match earlier {
            None => Ok(Saved::Created),
            Some((_, previous, count)) => {
                let expires = (header.generated_at + REPLACED_KEPT).timestamp();
                for index in 0..count {
                    let update = Update {
                        key: keys::report_part(&header.id, &previous, index),
                        actions: vec![UpdateAction::Set(TTL.into(), number(expires))],
                        condition: Some(Condition::Exists),
                    };
                    match self.table.update(update).await {
                        Ok(_) | Err(PortError::Conflict { .. }) => {}
                        Err(e) => return Err(e),
                    }
                }
                Ok(Saved::Replaced)
            }
        }
    }

    async fn delete_parts(&self, id: &str, generation: &str, count: usize) -> PortResult<()> {
        for index in 0..count {
            self.table.delete(&keys::report_part(id, generation, index), None).await?;
        }
        Ok(())
    }

    /// A report's header and body (its parts joined), or None.
    pub async fn get(&self, id: &str) -> PortResult<Option<(ReportHeader, String)>> {
        // A header replaced between reading it and reading its parts: read it again, once.
        for _ in 0..2 {
            let Some((header, generation, count)) = self.stored_header(id).await? else { return Ok(None) };
            if let Some(body) = self.body(id, &generation, count).await? {
                return Ok(Some((header, body)));
            }
        }
        Err(corrupt(format!("report {id}: its parts are not all there")))
    }

    /// A generation's body, or None when not all of its `count` parts are there.
    async fn body(&self, id: &str, generation: &str, count: usize) -> PortResult<Option<String>> {
        let query = Query::new(Index::Primary, keys::report_parts(id))
            .range(KeyRange::BeginsWith(keys::report_part_prefix(generation)))
            .limit(count.max(1))
            .consistent();
        let mut body = String::new();
        let mut parts = 0;
        let mut cursor = None;
        loop {
            let page = self.table.query(query.clone().start_after(cursor)).await?;
            for item in page.items {
                match item.get("body") {
                    Some(Value::S(part)) => body.push_str(part),
                    _ => return Err(corrupt(format!("report {id}: a part without a body"))),
                }
                parts += 1;
            }
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        Ok((parts == count).then_some(body))
    }

    /// Where the positions of the list lie (a cursor outside it is refused).
    pub fn list_scope() -> proxy_core::ports::table::ListScope {
        use proxy_core::ports::table::{ListScope, PK};
        ListScope { keys: vec![PK, SK], partition: (PK, keys::REPORTS.to_owned()), sort_prefix: None }
    }

    /// The reports, newest period first, a page at a time.
    pub async fn list(&self, limit: usize, after: Option<Cursor>) -> PortResult<(Vec<ReportHeader>, Option<Cursor>)> {
        let query = Query::new(Index::Primary, keys::REPORTS).descending().limit(limit).start_after(after);
        let page = self.table.query(query).await?;
        let headers = page
            .items
            .iter()
            .map(|item| match item.get("header") {
                Some(Value::S(text)) => serde_json::from_str(text).map_err(corrupt),
                _ => Err(corrupt(format!("report header {:?} without its fields", item.get(SK)))),
            })
            .collect::<PortResult<_>>()?;
        Ok((headers, page.next))
    }
}

/// The body cut in parts of at most `PART_BYTES`, on character boundaries.
fn split(body: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut rest = body;
    while rest.len() > PART_BYTES {
        let mut cut = PART_BYTES;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let (part, tail) = rest.split_at(cut);
        parts.push(part);
        rest = tail;
    }
    parts.push(rest);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_is_cut_on_character_boundaries() {
        let body = "é".repeat(PART_BYTES);
        let parts = split(&body);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts.concat(), body);
        assert_eq!(split(""), [""]);
    }
}
