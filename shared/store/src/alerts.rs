//! Alerts and their conditions. An alert item (`ALERT#<id>`) is listed newest first among all alerts (gsi1) and,
//! while it is not resolved or its resolution is still to be announced, among the open ones (gsi2, sparse): so
//! the check that reads the open list finds a resolution whose send failed, and sends it again. A condition item (`ALERT_CONDITION#<key>`)
//! names the condition's open alert, so two checks that see the same condition at once open one alert: opening
//! is a transaction conditional on the condition having none, resolving one conditional on it being that one.
//! A resolved alert expires after `KEEP_RESOLVED_DAYS` (DynamoDB's TTL), so the history needs no clean-up run.

use super::{codec, keys};
use chrono::{DateTime, Utc};
use proxy_core::domain::{Alert, AlertId, AlertSeverity, AlertState};
use proxy_core::error::PortResult;
use proxy_core::ports::table::{
    Condition, Cursor, Index, ListScope, PK, Query, SK, TTL, Table, TransactOp, Update, UpdateAction, Value, number,
    string,
};
use rust_decimal::Decimal;
use std::sync::Arc;

const OPEN_ALERT: &str = "open_alert";
/// A resolved alert is kept this long for the history (`status=all`), then DynamoDB's TTL removes it.
pub const KEEP_RESOLVED_DAYS: i64 = 90;
const LAST_RESOLVED_AT: &str = "last_resolved_at";
/// The condition's last alert, resolved but its resolution not yet delivered.
const RESOLUTION_PENDING: &str = "resolution_pending";

#[derive(Clone)]
pub struct AlertStore {
    table: Arc<dyn Table>,
}

/// What is stored of a condition: its open alert, when its last alert resolved.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConditionState {
    pub open: Option<Alert>,
    pub last_resolved_at: Option<DateTime<Utc>>,
    /// An alert whose resolution is to be announced and was not delivered yet.
    pub resolution_pending: Option<AlertId>,
}

impl AlertStore {
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self { table }
    }

    fn item_of(alert: &Alert) -> PortResult<proxy_core::ports::table::Item> {
        let mut item = codec::encode(alert, &[])?;
        item.extend(keys::alert(&alert.id).to_item());
        let sort = string(format!("{}#{}", keys::sortable_time(alert.raised_at), alert.id));
        item.insert("gsi1pk".into(), string(keys::ALL_ALERTS));
        item.insert("gsi1sk".into(), sort.clone());
        if alert.state != AlertState::Resolved {
            item.insert("gsi2pk".into(), string(keys::OPEN_ALERTS));
            item.insert("gsi2sk".into(), sort);
        }
        Ok(item)
    }

    /// Records, once, an alert raised before alerts had a lifecycle (a notice queued then): into the history as
    /// resolved when it was raised, since no condition will ever resolve it. Recording it again is a conflict.
    pub async fn record_legacy(&self, alert: &Alert) -> PortResult<()> {
        let resolved = Alert { state: AlertState::Resolved, resolved_at: Some(alert.raised_at), ..alert.clone() };
        let mut item = Self::item_of(&resolved)?;
        item.insert(TTL.into(), number(alert.raised_at.timestamp() + KEEP_RESOLVED_DAYS * 86_400));
        self.table.put(item, Some(Condition::NotExists)).await
    }

    pub async fn get(&self, id: &AlertId) -> PortResult<Option<Alert>> {
        self.table.get(&keys::alert(id)).await?.map(|item| codec::decode(item, &[])).transpose()
    }

    /// The condition's open alert (if any) and when its last alert resolved: two reads.
    pub async fn condition(&self, dedup_key: &str) -> PortResult<ConditionState> {
        let Some(item) = self.table.get(&keys::alert_condition(dedup_key)).await? else {
            return Ok(ConditionState::default());
        };
        let text = |name: &str| match item.get(name) {
            Some(Value::S(text)) => Some(text.clone()),
            _ => None,
        };
        let last_resolved_at = text(LAST_RESOLVED_AT).and_then(|t| DateTime::parse_from_rfc3339(&t).ok());
        let open = match text(OPEN_ALERT) {
            Some(id) => self.get(&AlertId(id)).await?,
            None => None,
        };
        Ok(ConditionState {
            open,
            last_resolved_at: last_resolved_at.map(|t| t.with_timezone(&Utc)),
            resolution_pending: text(RESOLUTION_PENDING).map(AlertId),
        })
    }

    /// Opens `alert` for its condition: a conflict when the condition already has an open alert (another check
    /// opened it first), and nothing is written then.
    pub async fn open(&self, alert: &Alert) -> PortResult<()> {
        let condition = Update {
            key: keys::alert_condition(&alert.dedup_key),
            actions: vec![UpdateAction::Set(OPEN_ALERT.into(), string(alert.id.to_string()))],
            condition: Some(Condition::AttributeMissing(OPEN_ALERT.into())),
        };
        let put = TransactOp::Put { item: Self::item_of(alert)?, condition: Some(Condition::NotExists) };
        self.table.transact(vec![TransactOp::Update(condition), put]).await
    }

    /// The condition was seen again while `alert` is open: one more occurrence, and the severity, message and
    /// announcement intent of this sighting. A conflict when the alert resolved meanwhile or its severity is no
    /// longer `read_severity` (another sighting changed it: the caller reads again, so one escalation is
    /// announced once).
    pub async fn seen_again(
        &self,
        alert: &Alert,
        read_severity: AlertSeverity,
        now: DateTime<Utc>,
    ) -> PortResult<Alert> {
        let actions = vec![
            UpdateAction::Add("occurrences".into(), Decimal::ONE),
            UpdateAction::Set("last_seen_at".into(), string(now.to_rfc3339())),
            UpdateAction::Set("message".into(), string(alert.message.clone())),
            UpdateAction::Set("notified".into(), Value::Bool(alert.notified)),
            UpdateAction::Set("severity".into(), string(alert.severity.as_str())),
        ];
        let item = self
            .table
            .update(Update {
                key: keys::alert(&alert.id),
                actions,
                condition: Some(Condition::And(vec![
                    Condition::Exists,
                    Condition::AttributeNotEquals("state".into(), string(AlertState::Resolved.as_str())),
                    Condition::AttributeEquals("severity".into(), string(read_severity.as_str())),
                ])),
            })
            .await?;
        codec::decode(item, &[])
    }

    /// Resolves the condition's open alert `id`: it leaves the open list and the condition has none. A conflict
    /// when it is no longer the condition's open alert (resolved by another check).
    pub async fn resolve(&self, alert: &Alert, now: DateTime<Utc>) -> PortResult<()> {
        let at = string(now.to_rfc3339());
        let condition = Update {
            key: keys::alert_condition(&alert.dedup_key),
            actions: {
                let mut actions = vec![
                    UpdateAction::Remove(OPEN_ALERT.into()),
                    UpdateAction::Set(LAST_RESOLVED_AT.into(), at.clone()),
                ];
                if alert.notified {
                    actions.push(UpdateAction::Set(RESOLUTION_PENDING.into(), string(alert.id.to_string())));
                }
                actions
            },
            condition: Some(Condition::AttributeEquals(OPEN_ALERT.into(), string(alert.id.to_string()))),
        };
        let mut actions = vec![
            UpdateAction::Set("state".into(), string(AlertState::Resolved.as_str())),
            UpdateAction::Set("resolved_at".into(), at),
            UpdateAction::Set(TTL.into(), number(now.timestamp() + KEEP_RESOLVED_DAYS * 86_400)),
        ];
        // An announced alert stays in the open list until its resolution is delivered (`resolution_announced`).
        if !alert.notified {
            actions.extend([UpdateAction::Remove("gsi2pk".into()), UpdateAction::Remove("gsi2sk".into())]);
        }
        let resolved = Update { key: keys::alert(&alert.id), actions, condition: Some(Condition::Exists) };
        self.table.transact(vec![TransactOp::Update(condition), TransactOp::Update(resolved)]).await
    }

    /// The alert's opening was delivered: sightings stop sending it again.
    pub async fn opening_announced(&self, id: &AlertId) -> PortResult<()> {
        let update = Update {
            key: keys::alert(id),
            actions: vec![UpdateAction::Set("announced".into(), Value::Bool(true))],
            condition: Some(Condition::Exists),
        };
        self.table.update(update).await.map(|_| ())
    }

    /// The resolution of `id` was delivered: the alert leaves the open list and the condition stops asking for it
    /// (a later resolution's request, if one came since, stays).
    pub async fn resolution_announced(&self, dedup_key: &str, id: &AlertId) -> PortResult<()> {
        let leave_open_list = Update {
            key: keys::alert(id),
            actions: vec![UpdateAction::Remove("gsi2pk".into()), UpdateAction::Remove("gsi2sk".into())],
            condition: Some(Condition::Exists),
        };
        match self.table.update(leave_open_list).await {
            Ok(_) | Err(proxy_core::error::PortError::Conflict { .. }) => {}
            Err(error) => return Err(error),
        }
        let update = Update {
            key: keys::alert_condition(dedup_key),
            actions: vec![UpdateAction::Remove(RESOLUTION_PENDING.into())],
            condition: Some(Condition::AttributeEquals(RESOLUTION_PENDING.into(), string(id.to_string()))),
        };
        match self.table.update(update).await {
            Ok(_) | Err(proxy_core::error::PortError::Conflict { .. }) => Ok(()),
            Err(error) => Err(error),
        }
    }

    /// An admin has seen the open alert `id`. A conflict when it is not open (acknowledged or resolved); not
    /// found when there is no such alert.
    pub async fn acknowledge(&self, id: &AlertId, by: &str, now: DateTime<Utc>) -> PortResult<Alert> {
        let item = self
            .table
            .update(Update {
                key: keys::alert(id),
                actions: vec![
                    UpdateAction::Set("state".into(), string(AlertState::Acknowledged.as_str())),
                    UpdateAction::Set("acknowledged_by".into(), string(by)),
                    UpdateAction::Set("acknowledged_at".into(), string(now.to_rfc3339())),
                ],
                // Open, or stored before alerts had a state (which reads as open).
                condition: Some(Condition::And(vec![
                    Condition::Exists,
                    Condition::Or(vec![
                        Condition::AttributeMissing("state".into()),
                        Condition::AttributeEquals("state".into(), string(AlertState::Open.as_str())),
                    ]),
                ])),
            })
            .await?;
        codec::decode(item, &[])
    }

    /// A page of the alerts that are not resolved, with the resolved ones whose resolution is not delivered yet
    /// (`open_only`; their state says which), or of every alert, newest first.
    pub async fn list(
        &self,
        open_only: bool,
        limit: usize,
        after: Option<Cursor>,
    ) -> PortResult<(Vec<Alert>, Option<Cursor>)> {
        let (index, partition) =
            if open_only { (Index::Gsi2, keys::OPEN_ALERTS) } else { (Index::Gsi1, keys::ALL_ALERTS) };
        let page = self.table.query(Query::new(index, partition).descending().limit(limit).start_after(after)).await?;
        let alerts = page.items.into_iter().map(|i| codec::decode(i, &[])).collect::<PortResult<Vec<Alert>>>()?;
        Ok((alerts, page.next))
    }

    /// Where a page of `list` may start.
    pub fn list_scope(open_only: bool) -> ListScope {
        let (index, partition) =
            if open_only { (Index::Gsi2, keys::OPEN_ALERTS) } else { (Index::Gsi1, keys::ALL_ALERTS) };
        let (pk, sk) = index.key_attributes();
        ListScope { keys: vec![PK, SK, pk, sk], partition: (pk, partition.to_owned()), sort_prefix: None }
    }
}
