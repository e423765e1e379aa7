//! The capacity table: per server and per location (and per protocol within a location) — total, used
//! (provisioned clients), held (sold, not yet provisioned), free, utilisation and its status band. Pure: the
//! numbers are the server counters checkout, provisioning and cancellation keep in conditional transactions.
//!
//! Utilisation is the committed share, `(used + held) / total`: the original divided active clients only, but
//! a held slot is no more sellable than a used one. Bands are the original's (>= 90 % critical, >= 75 %
//! warning, >= 50 % normal, else low), compared in whole numbers so an edge is exact. A server without a
//! capacity (`max_clients` 0) sells nothing and has no band rather than dividing by zero. Location and
//! protocol totals count the servers that are `up`: a down or paused server's free slots cannot be sold.

use proxy_core::domain::{CapacityBand, Plan, Server, ServerId, ServerStatus};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The utilisation bands, in percent of total capacity (a band starts at its value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapacityBands {
    pub normal_from: u32,
    pub warning_from: u32,
    pub critical_from: u32,
}

impl Default for CapacityBands {
    fn default() -> Self {
        CapacityBands { normal_from: 50, warning_from: 75, critical_from: 90 }
    }
}

impl CapacityBands {
    /// The band of `committed` slots out of `total`; None without a capacity.
    pub fn band(&self, committed: u64, total: u64) -> Option<CapacityBand> {
        if total == 0 {
            return None;
        }
        let at_least = |percent: u32| share_vs_percent(committed, total, percent).is_ge();
        Some(if at_least(self.critical_from) {
            CapacityBand::Critical
        } else if at_least(self.warning_from) {
            CapacityBand::Warning
        } else if at_least(self.normal_from) {
            CapacityBand::Normal
        } else {
            CapacityBand::Low
        })
    }
}

/// `part / total` against `percent` %, in whole numbers so an edge is exact.
fn share_vs_percent(part: u64, total: u64, percent: u32) -> std::cmp::Ordering {
    (part * 100).cmp(&(u64::from(percent) * total))
}

/// Slots, summed over one server or a group of servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Slots {
    pub total: u64,
    pub used: u64,
    pub held: u64,
    pub free: u64,
}

impl Slots {
    fn of(server: &Server) -> Self {
        Slots {
            total: u64::from(server.max_clients),
            used: u64::from(server.active_clients),
            held: u64::from(server.held_clients),
            free: u64::from(server.free_slots),
        }
    }

    fn add(&mut self, other: Slots) {
        self.total += other.total;
        self.used += other.used;
        self.held += other.held;
        self.free += other.free;
    }

    /// Used and held.
    pub fn committed(&self) -> u64 {
        self.used + self.held
    }

    /// The committed share against `percent` of the total, exactly (in whole numbers); None without a capacity.
    pub fn committed_vs_percent(&self, percent: u32) -> Option<std::cmp::Ordering> {
        (self.total > 0).then(|| share_vs_percent(self.committed(), self.total, percent))
    }

    /// Orders by committed share, exactly: less loaded first.
    pub fn cmp_load(&self, other: &Slots) -> std::cmp::Ordering {
        (self.committed() * other.total).cmp(&(other.committed() * self.total))
    }

    /// Committed share in percent, to one decimal; None without a capacity.
    pub fn utilisation_percent(&self) -> Option<f64> {
        (self.total > 0).then(|| (self.committed() as f64 * 1000.0 / self.total as f64).round() / 10.0)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServerCapacity {
    pub server_id: ServerId,
    pub name: String,
    pub location: String,
    pub status: ServerStatus,
    /// The protocols of its active plans.
    pub protocols: Vec<String>,
    #[serde(flatten)]
    pub slots: Slots,
    pub utilisation_percent: Option<f64>,
    pub band: Option<CapacityBand>,
}

/// A location, or one protocol within a location: the `up` servers' slots together.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupCapacity {
    pub location: String,
    /// None: the whole location.
    pub protocol: Option<String>,
    pub servers_up: usize,
    /// Down or paused servers of the group, not counted in its slots.
    pub servers_unavailable: usize,
    #[serde(flatten)]
    pub slots: Slots,
    pub utilisation_percent: Option<f64>,
    pub band: Option<CapacityBand>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CapacityTable {
    pub servers: Vec<ServerCapacity>,
    /// Per location, then per protocol within it, sorted by location and protocol.
    pub groups: Vec<GroupCapacity>,
}

pub fn capacity_table(servers: &[Server], plans: &[Plan], bands: &CapacityBands) -> CapacityTable {
    let mut protocols_of: BTreeMap<&ServerId, BTreeSet<&str>> = BTreeMap::new();
    for plan in plans.iter().filter(|p| p.is_active) {
        protocols_of.entry(&plan.server_id).or_default().insert(plan.protocol.as_str());
    }
    let rows: Vec<ServerCapacity> = servers
        .iter()
        .map(|server| {
            let slots = Slots::of(server);
            ServerCapacity {
                server_id: server.id.clone(),
                name: server.name.clone(),
                location: server.location.clone(),
                status: server.status,
                protocols: protocols_of
                    .get(&server.id)
                    .map(|p| p.iter().map(|p| (*p).to_owned()).collect())
                    .unwrap_or_default(),
                slots,
                utilisation_percent: slots.utilisation_percent(),
                band: bands.band(slots.committed(), slots.total),
            }
        })
        .collect();
    let mut groups: BTreeMap<(String, Option<String>), (usize, usize, Slots)> = BTreeMap::new();
    for row in &rows {
        let keys = std::iter::once(None).chain(row.protocols.iter().cloned().map(Some));
        for protocol in keys {
            let group = groups.entry((row.location.clone(), protocol)).or_default();
            if row.status == ServerStatus::Up {
                group.0 += 1;
                group.2.add(row.slots);
            } else {
                group.1 += 1;
            }
        }
    }
    let groups = groups
        .into_iter()
        .map(|((location, protocol), (servers_up, servers_unavailable, slots))| GroupCapacity {
            location,
            protocol,
            servers_up,
            servers_unavailable,
            slots,
            utilisation_percent: slots.utilisation_percent(),
            band: bands.band(slots.committed(), slots.total),
        })
        .collect();
    CapacityTable { servers: rows, groups }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::TimeZone;
    use proxy_core::domain::{Money, PlanId};

    /// A server with these counters (free is what is left), for the inventory tests.
    pub(crate) fn server(location: &str, status: ServerStatus, max: u32, active: u32, held: u32) -> Server {
        Server {
            id: ServerId::generate(),
            name: format!("{location}-1"),
            location: location.into(),
            country: "DE".into(),
            status,
            max_clients: max,
            active_clients: active,
            held_clients: held,
            free_slots: max - active - held,
            panel_host: "panel.example".into(),
            panel_port: 2053,
            created_at: chrono::Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap(),
        }
    }

    /// A 30-day plan of `protocol` on the server.
    pub(crate) fn plan(server: &Server, protocol: &str, active: bool) -> Plan {
        Plan {
            id: PlanId::generate(),
            server_id: server.id.clone(),
            name: format!("{protocol} plan"),
            price: Money::from(5),
            days: 30,
            protocol: protocol.into(),
            plan_type: "datacenter".into(),
            data_limit_gb: None,
            is_active: active,
            is_popular: false,
            inbound_id: 1,
            created_at: chrono::Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap(),
        }
    }

    #[test]
    fn band_names_are_their_serialised_names() {
        for band in [CapacityBand::Low, CapacityBand::Normal, CapacityBand::Warning, CapacityBand::Critical] {
            assert_eq!(serde_json::to_value(band).unwrap(), band.as_str());
        }
    }

    #[test]
    fn every_band_starts_at_its_edge() {
        let bands = CapacityBands::default();
        let band = |committed| bands.band(committed, 100);
        assert_eq!(band(0), Some(CapacityBand::Low));
        assert_eq!(band(49), Some(CapacityBand::Low));
        assert_eq!(band(50), Some(CapacityBand::Normal));
        assert_eq!(band(74), Some(CapacityBand::Normal));
        assert_eq!(band(75), Some(CapacityBand::Warning));
        assert_eq!(band(89), Some(CapacityBand::Warning));
        assert_eq!(band(90), Some(CapacityBand::Critical));
        assert_eq!(band(100), Some(CapacityBand::Critical));
        // Exact in whole numbers where a percentage would round: 2 of 3 is 66.7 %, 9 of 10 is 90 %.
        assert_eq!(bands.band(2, 3), Some(CapacityBand::Normal));
        assert_eq!(bands.band(9, 10), Some(CapacityBand::Critical));
        assert_eq!(bands.band(8_999, 10_000), Some(CapacityBand::Warning), "89.99 % is not 90 %");
        assert_eq!(bands.band(0, 0), None, "no capacity: no band, no division");
    }

    #[test]
    fn held_slots_count_as_committed() {
        let s = server("Frankfurt", ServerStatus::Up, 100, 60, 30);
        let table = capacity_table(std::slice::from_ref(&s), &[], &CapacityBands::default());
        let row = &table.servers[0];
        assert_eq!((row.slots.used, row.slots.held, row.slots.free), (60, 30, 10));
        assert_eq!((row.utilisation_percent, row.band), (Some(90.0), Some(CapacityBand::Critical)));
    }

    #[test]
    fn locations_and_protocols_sum_their_up_servers() {
        let fra_a = server("Frankfurt", ServerStatus::Up, 100, 40, 0);
        let fra_b = server("Frankfurt", ServerStatus::Up, 50, 45, 5);
        let fra_down = server("Frankfurt", ServerStatus::Down, 100, 0, 0);
        let ams = server("Amsterdam", ServerStatus::Up, 10, 1, 0);
        let plans = [
            plan(&fra_a, "vless", true),
            plan(&fra_a, "trojan", true),
            plan(&fra_a, "vless", true),
            plan(&fra_b, "vless", true),
            plan(&fra_b, "vmess", false),
            plan(&fra_down, "vless", true),
        ];
        let servers = [fra_a.clone(), fra_b, fra_down, ams];
        let table = capacity_table(&servers, &plans, &CapacityBands::default());
        assert_eq!(table.servers[0].protocols, ["trojan", "vless"], "active plans' protocols, once each");
        assert!(table.servers[3].protocols.is_empty());
        let group = |location: &str, protocol: Option<&str>| {
            table.groups.iter().find(|g| g.location == location && g.protocol.as_deref() == protocol).unwrap()
        };
        let frankfurt = group("Frankfurt", None);
        assert_eq!((frankfurt.servers_up, frankfurt.servers_unavailable), (2, 1));
        assert_eq!(
            frankfurt.slots,
            Slots { total: 150, used: 85, held: 5, free: 60 },
            "the down server's slots are out"
        );
        assert_eq!((frankfurt.utilisation_percent, frankfurt.band), (Some(60.0), Some(CapacityBand::Normal)));
        let vless = group("Frankfurt", Some("vless"));
        assert_eq!((vless.servers_up, vless.servers_unavailable, vless.slots.total), (2, 1, 150));
        let trojan = group("Frankfurt", Some("trojan"));
        assert_eq!((trojan.servers_up, trojan.slots.total, trojan.band), (1, 100, Some(CapacityBand::Low)));
        assert!(table.groups.iter().all(|g| g.protocol.as_deref() != Some("vmess")), "an inactive plan sells nothing");
        let locations: Vec<(&str, Option<&str>)> =
            table.groups.iter().map(|g| (g.location.as_str(), g.protocol.as_deref())).collect();
        assert_eq!(
            locations,
            [("Amsterdam", None), ("Frankfurt", None), ("Frankfurt", Some("trojan")), ("Frankfurt", Some("vless"))]
        );
    }

    #[test]
    fn a_server_without_capacity_has_no_band() {
        let s = server("Paris", ServerStatus::Up, 0, 0, 0);
        let table = capacity_table(std::slice::from_ref(&s), &[], &CapacityBands::default());
        assert_eq!((table.servers[0].utilisation_percent, table.servers[0].band), (None, None));
        assert_eq!(table.groups[0].band, None);
    }
}
