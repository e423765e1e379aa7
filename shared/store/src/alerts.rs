use super::{codec, keys};
use proxy_core::domain::Alert;
use proxy_core::error::PortResult;
use proxy_core::ports::table::{Condition, Index, Query, Table, string};
use std::sync::Arc;

#[derive(Clone)]
pub struct AlertStore {
    table: Arc<dyn Table>,
}

impl AlertStore {
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self { table }
    }

    /// Records an alert once: recording the same alert id again is a conflict (a redelivered job).
    pub async fn record(&self, alert: &Alert) -> PortResult<()> {
        let mut item = codec::encode(alert, &[])?;
        item.extend(keys::alert(&alert.id).to_item());
        item.insert("gsi1pk".into(), string(keys::ALL_ALERTS));
        item.insert("gsi1sk".into(), string(format!("{}#{}", keys::sortable_time(alert.raised_at), alert.id)));
        self.table.put(item, Some(Condition::NotExists)).await
    }

    /// The most recent alerts, newest first.
    pub async fn recent(&self, limit: usize) -> PortResult<Vec<Alert>> {
        let page = self.table.query(Query::new(Index::Gsi1, keys::ALL_ALERTS).descending().limit(limit)).await?;
        page.items.into_iter().map(|i| codec::decode(i, &[])).collect()
    }
}
