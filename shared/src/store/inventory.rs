//! Inventory state: the capacity band each server was last seen in, one item per server in one partition.
//! A band moves only by a conditional write from the band the caller saw, so of two checks racing over the same
//! crossing exactly one records it (and alerts).

use super::{codec, keys, query_all};
use crate::domain::ServerId;
use crate::error::{PortError, PortResult};
use crate::ports::Index;
use crate::ports::table::{Condition, KeyRange, Query, Table, string};
use crate::services::inventory::CapacityBand;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

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
