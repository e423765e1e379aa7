//! Inventory state: the capacity band each server was last seen in, one item per server in one partition, and
//! the scaling action each location was last decided. Both move only by a conditional write from the value the
//! caller saw, so of two checks racing over the same crossing exactly one records it (and alerts). Also the
//! latest capacity forecast (one item per location) and the archive of inventory-check runs.

use super::{RunReport, codec, keys, query_all};
use chrono::{DateTime, Utc};
use proxy_core::domain::{
    CapacityBand, DriftSuspect, InventoryForecast, LocationForecast, LocationScalingState, ServerForecast, ServerId,
};
use proxy_core::error::{PortError, PortResult};
use proxy_core::ports::Index;
use proxy_core::ports::table::{Condition, KeyRange, Query, SK, Table, Value, string};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// One location's part of a stored forecast.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct LocationForecastItem {
    computed_at: DateTime<Utc>,
    history_from: chrono::NaiveDate,
    history_to: chrono::NaiveDate,
    horizon_days: u32,
    level: f64,
    location: LocationForecast,
    servers: Vec<ServerForecast>,
}

/// Inventory checks run every 15 minutes: two weeks of them is ~1,350 small items.
const KEEP_CHECKS: chrono::Duration = chrono::Duration::days(14);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BandState {
    pub server_id: ServerId,
    pub band: CapacityBand,
    pub since: DateTime<Utc>,
}

#[derive(Clone)]
pub struct InventoryStore {
    table: Arc<dyn Table>,
}

impl InventoryStore {
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self { table }
    }

    /// Every server's last band: one partition, read page by page.
    pub async fn bands(&self) -> PortResult<BTreeMap<ServerId, BandState>> {
        let query = Query::new(Index::Primary, keys::CAPACITY_BANDS).range(KeyRange::BeginsWith("SERVER#".into()));
        let states: Vec<BandState> = query_all(&*self.table, query).await?;
        Ok(states.into_iter().map(|s| (s.server_id.clone(), s)).collect())
    }

    /// Records that `server` moved from `from` (None: never recorded) to `to`. False when the stored band is no
    /// longer `from`: another check recorded a move first.
    pub async fn move_band(
        &self,
        server: &ServerId,
        from: Option<CapacityBand>,
        to: CapacityBand,
        at: DateTime<Utc>,
    ) -> PortResult<bool> {
        let state = BandState { server_id: server.clone(), band: to, since: at };
        let mut item = codec::encode(&state, &[])?;
        item.extend(keys::capacity_band(server).to_item());
        let condition = match from {
            None => Condition::NotExists,
            Some(band) => Condition::AttributeEquals("band".into(), string(band.as_str())),
        };
        match self.table.put(item, Some(condition)).await {
            Ok(()) => Ok(true),
            Err(PortError::Conflict { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Records that `location`'s scaling action moved from `from` (None: never recorded) to `to`. False when
    /// another check recorded a move first.
    pub async fn move_scaling(
        &self,
        location: &str,
        from: Option<LocationScalingState>,
        to: LocationScalingState,
        at: DateTime<Utc>,
    ) -> PortResult<bool> {
        let mut item = keys::location_scaling(location).to_item();
        item.insert("action".into(), codec::to_value(&to)?);
        item.insert("since".into(), string(at.to_rfc3339()));
        let condition = match from {
            None => Condition::NotExists,
            Some(action) => Condition::AttributeEquals("action".into(), codec::to_value(&action)?),
        };
        match self.table.put(item, Some(condition)).await {
            Ok(()) => Ok(true),
            Err(PortError::Conflict { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The scaling action each location was last decided.
    pub async fn scaling_actions(&self) -> PortResult<BTreeMap<String, LocationScalingState>> {
        let query = Query::new(Index::Primary, keys::CAPACITY_BANDS).range(KeyRange::BeginsWith("LOCATION#".into()));
        let mut actions = BTreeMap::new();
        let mut cursor = None;
        loop {
            let page = self.table.query(query.clone().start_after(cursor)).await?;
            for item in page.items {
                if let (Some(Value::S(sk)), Some(action)) = (item.get(SK), item.get("action"))
                    && let Some(location) = sk.strip_prefix("LOCATION#")
                {
                    actions.insert(location.to_owned(), codec::from_value(action.clone())?);
                }
            }
            match page.next {
                Some(next) => cursor = Some(next),
                None => return Ok(actions),
            }
        }
    }

    /// Reconciliation's drift sightings, by server (one partition, usually empty).
    pub async fn drift_suspects(&self) -> PortResult<BTreeMap<ServerId, DriftSuspect>> {
        let suspects: Vec<DriftSuspect> =
            query_all(&*self.table, Query::new(Index::Primary, keys::DRIFT_SUSPECTS)).await?;
        Ok(suspects.into_iter().map(|s| (s.server_id.clone(), s)).collect())
    }

    pub async fn put_drift_suspect(&self, suspect: &DriftSuspect) -> PortResult<()> {
        let mut item = codec::encode(suspect, &[])?;
        item.extend(keys::drift_suspect(&suspect.server_id).to_item());
        self.table.put(item, None).await
    }

    pub async fn clear_drift_suspect(&self, server: &ServerId) -> PortResult<()> {
        self.table.delete(&keys::drift_suspect(server), None).await
    }

    /// Stores a forecast, one item per location (with its servers' forecasts), so no item nears DynamoDB's
    /// 400 KB whatever the number of locations; a location that disappeared keeps its last item, which `forecast`
    /// leaves out by its older time.
    pub async fn put_forecast(&self, forecast: &InventoryForecast) -> PortResult<()> {
        for location in &forecast.locations {
            let part = LocationForecastItem {
                computed_at: forecast.computed_at,
                history_from: forecast.history_from,
                history_to: forecast.history_to,
                horizon_days: forecast.horizon_days,
                level: forecast.level,
                location: location.clone(),
                servers: forecast.servers.iter().filter(|s| s.location == location.location).cloned().collect(),
            };
            let mut item = codec::encode(&part, &[])?;
            item.extend(keys::location_forecast(&location.location).to_item());
            self.table.put(item, None).await?;
        }
        Ok(())
    }

    /// The latest forecast (one query), None before the first.
    pub async fn forecast(&self) -> PortResult<Option<InventoryForecast>> {
        let parts: Vec<LocationForecastItem> =
            query_all(&*self.table, Query::new(Index::Primary, keys::INVENTORY_FORECASTS)).await?;
        let Some(latest) = parts.iter().map(|p| p.computed_at).max() else { return Ok(None) };
        let mut forecast: Option<InventoryForecast> = None;
        for part in parts.into_iter().filter(|p| p.computed_at == latest) {
            let whole = forecast.get_or_insert_with(|| InventoryForecast {
                computed_at: part.computed_at,
                history_from: part.history_from,
                history_to: part.history_to,
                horizon_days: part.horizon_days,
                level: part.level,
                locations: Vec::new(),
                servers: Vec::new(),
            });
            whole.locations.push(part.location);
            whole.servers.extend(part.servers);
        }
        Ok(forecast)
    }

    pub async fn archive_check(&self, run: &impl RunReport) -> PortResult<()> {
        let ran_at = run.ran_at();
        super::archive_run(&*self.table, run, keys::inventory_check(ran_at), ran_at + KEEP_CHECKS).await
    }

    /// The latest inventory-check runs, newest first.
    pub async fn recent_checks<R: RunReport>(&self, limit: usize) -> PortResult<Vec<R>> {
        super::recent_runs(&*self.table, keys::INVENTORY_CHECKS, limit).await
    }

    /// Takes back a move whose alert could not be sent, so the next check sees the crossing again: back to
    /// `from` (or no record), on condition that the band is still `to`.
    pub async fn undo_move(
        &self,
        server: &ServerId,
        from: Option<CapacityBand>,
        to: CapacityBand,
        at: DateTime<Utc>,
    ) -> PortResult<()> {
        match from {
            Some(band) => self.move_band(server, Some(to), band, at).await.map(|_| ()),
            None => {
                let condition = Condition::AttributeEquals("band".into(), string(to.as_str()));
                match self.table.delete(&keys::capacity_band(server), Some(condition)).await {
                    Ok(()) | Err(PortError::Conflict { .. }) => Ok(()),
                    Err(e) => Err(e),
                }
            }
        }
    }
}
