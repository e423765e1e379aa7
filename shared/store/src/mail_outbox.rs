//! Each address's outbox of alert e-mail: the lines waiting for its next e-mail (`PENDING#<time>#<change>`,
//! one per alert change, put once) and its send windows (`WINDOW`: the latest arranged, the latest started),
//! so that an address gets at most one e-mail per window and what arrives meanwhile goes out together in the
//! next. A line is put before its e-mail is arranged, and an e-mail marks its window started before it reads
//! the outbox: so a line is either read by the e-mail already arranged or finds it started and arranges the
//! next — never left waiting with no e-mail to come.

use super::{codec, keys};
use chrono::{DateTime, Utc};
use proxy_core::domain::{AlertChange, AlertId, AlertSeverity};
use proxy_core::error::{PortError, PortResult};
use proxy_core::ports::table::{
    Condition, Index, KeyRange, Query, TTL, Table, TransactOp, Update, UpdateAction, number,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A line waiting is dropped after this long unsent (the mail service down for a day: the dashboard and the
/// log still have it).
const KEEP_PENDING_HOURS: i64 = 24;
/// The latest window an e-mail was arranged for, and the latest whose e-mail started (read the outbox).
const ARRANGED: &str = "arranged";
const STARTED: &str = "started";
/// Reads of the state before `arrange` gives up on a race (each lost race means another line moved it).
const TRIES: usize = 5;

/// One alert change waiting to be e-mailed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingMail {
    pub alert_id: AlertId,
    pub change: AlertChange,
    pub severity: AlertSeverity,
    pub source: String,
    pub condition: String,
    pub message: String,
    pub occurrences: u64,
    /// When the change happened.
    pub at: DateTime<Utc>,
    /// The change's key (`alert:<id>:<change>`): the same change is one line.
    pub change_key: String,
}

#[derive(Clone)]
pub struct MailOutboxStore {
    table: Arc<dyn Table>,
}

impl MailOutboxStore {
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self { table }
    }

    /// Puts `line` into `address`'s outbox, once: the same change again is a no-op, and so is a change already
    /// sent to this address (a retried job must not mail it twice). One transaction.
    pub async fn add(&self, address: &str, line: &PendingMail) -> PortResult<()> {
        let mut item = codec::encode(line, &[])?;
        item.extend(keys::pending_mail(address, line.at, &line.change_key).to_item());
        item.insert(TTL.into(), number(line.at.timestamp() + KEEP_PENDING_HOURS * 3600));
        let ops = vec![
            TransactOp::Put { item, condition: Some(Condition::NotExists) },
            TransactOp::Check { key: keys::mail_sent(address, &line.change_key), condition: Condition::NotExists },
        ];
        match self.table.transact(ops).await {
            Ok(()) | Err(PortError::Conflict { .. }) => Ok(()),
            Err(error) => Err(error),
        }
    }

    /// Which window's e-mail will take what now waits for `address`, a line having arrived in window `now`:
    /// `now` when no e-mail was arranged for it; the arranged one while it has not started; else the window after
    /// the last one that started. The state moves by conditional updates only; a lost race reads it again.
    pub async fn arrange(&self, address: &str, now: i64) -> PortResult<i64> {
        let key = keys::mail_window(address);
        for _ in 0..TRIES {
            let state = self.table.get(&key).await?;
            let (arranged, started) = (window_of(state.as_ref(), ARRANGED), window_of(state.as_ref(), STARTED));
            let (target, condition) = match (arranged, started) {
                (None, _) => (now, Condition::AttributeMissing(ARRANGED.into())),
                (Some(arranged), _) if arranged < now => {
                    (now, Condition::AttributeEquals(ARRANGED.into(), number(arranged)))
                }
                // Arranged and not started: it will read the outbox after this line is in.
                (Some(arranged), started) if started.is_none_or(|started| started < arranged) => return Ok(arranged),
                // It started (and may have read the outbox before this line): the next window's.
                (Some(arranged), started) => {
                    let next = started.unwrap_or(arranged).max(arranged) + 1;
                    (next, Condition::AttributeEquals(ARRANGED.into(), number(arranged)))
                }
            };
            let update = Update {
                key: key.clone(),
                actions: vec![UpdateAction::Set(ARRANGED.into(), number(target))],
                condition: Some(condition),
            };
            match self.table.update(update).await {
                Ok(_) => return Ok(target),
                Err(PortError::Conflict { .. }) => continue,
                Err(error) => return Err(error),
            }
        }
        Err(PortError::Conflict { op_index: None })
    }

    /// Window `window`'s e-mail to `address` starts: a line that arrives from now on is for a later one. Done
    /// before the outbox is read.
    pub async fn starting(&self, address: &str, window: i64) -> PortResult<()> {
        let update = Update {
            key: keys::mail_window(address),
            actions: vec![UpdateAction::Set(STARTED.into(), number(window))],
            condition: Some(Condition::Or(vec![
                Condition::AttributeMissing(STARTED.into()),
                Condition::LessThan(STARTED.into(), Decimal::from(window)),
            ])),
        };
        match self.table.update(update).await {
            // A later window's e-mail has started already: this one reads the outbox all the same.
            Ok(_) | Err(PortError::Conflict { .. }) => Ok(()),
            Err(error) => Err(error),
        }
    }

    /// The oldest `limit` lines waiting for `address`, and whether more wait.
    pub async fn pending(&self, address: &str, limit: usize) -> PortResult<(Vec<PendingMail>, bool)> {
        let query = Query::new(Index::Primary, keys::mailbox_partition(address))
            .range(KeyRange::BeginsWith(keys::PENDING_MAIL_PREFIX.into()))
            .limit(limit)
            // The line put just before this e-mail was arranged must be read by it.
            .consistent();
        let page = self.table.query(query).await?;
        let lines = page.items.into_iter().map(|item| codec::decode(item, &[])).collect::<PortResult<_>>()?;
        Ok((lines, page.next.is_some()))
    }

    /// `lines` were sent to `address`: out of its outbox, each remembered as sent while a retry of its change
    /// could still come (one transaction: two operations a line, `DIGEST_LIMIT` lines at most).
    pub async fn sent(&self, address: &str, lines: &[PendingMail]) -> PortResult<()> {
        if lines.is_empty() {
            return Ok(());
        }
        let mut ops = Vec::with_capacity(lines.len() * 2);
        for line in lines {
            ops.push(TransactOp::Delete {
                key: keys::pending_mail(address, line.at, &line.change_key),
                condition: None,
            });
            let mut marker = keys::mail_sent(address, &line.change_key).to_item();
            marker.insert(TTL.into(), number(line.at.timestamp() + 2 * KEEP_PENDING_HOURS * 3600));
            ops.push(TransactOp::Put { item: marker, condition: None });
        }
        self.table.transact(ops).await
    }
}

fn window_of(item: Option<&proxy_core::ports::table::Item>, attribute: &str) -> Option<i64> {
    match item?.get(attribute)? {
        proxy_core::ports::table::Value::N(n) => n.parse().ok(),
        _ => None,
    }
}
