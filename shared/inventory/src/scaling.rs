//! Scaling decisions per location, from the capacity table: above the scale-up threshold, put a standby
//! server back into service (a draining or paused one, whichever has the most free slots) if the location has
//! one, otherwise ask for a new server; below the scale-down threshold, drain the up server with the fewest
//! committed slots — never the last one, and one at a time (not while another server there is draining). Thresholds are the original's
//! (> 85 % up, < 20 % down), compared in whole numbers. Pure: every decision carries its inputs and reason;
//! applying and recording them is the caller's.

use super::{CapacityTable, Slots};
use proxy_core::domain::{ServerId, ServerStatus};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScalingThresholds {
    /// Scale up when the location's committed share is above this percentage.
    pub scale_up_above: u32,
    /// Scale down when it is below this percentage.
    pub scale_down_below: u32,
}

impl Default for ScalingThresholds {
    fn default() -> Self {
        ScalingThresholds { scale_up_above: 85, scale_down_below: 20 }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ScalingAction {
    /// Put this standby (paused or draining) server back into service.
    ActivateStandby {
        server_id: ServerId,
        from: ServerStatus,
    },
    /// No standby: an operator must provision a server here (raised as an alert).
    ProvisionServer,
    /// Stop selling on this server and let its clients expire or move.
    Drain {
        server_id: ServerId,
    },
    Hold,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocationScaling {
    pub location: String,
    pub servers_up: usize,
    /// Paused or draining servers of the location, which can be put back into service.
    pub standby: usize,
    #[serde(flatten)]
    pub slots: Slots,
    pub utilisation_percent: Option<f64>,
    #[serde(flatten)]
    pub action: ScalingAction,
    pub reason: String,
}

pub fn scaling_decisions(table: &CapacityTable, thresholds: &ScalingThresholds) -> Vec<LocationScaling> {
    table
        .groups
        .iter()
        .filter(|g| g.protocol.is_none())
        .map(|group| {
            let servers = table.servers.iter().filter(|s| s.location == group.location);
            let standby: Vec<_> =
                servers.clone().filter(|s| matches!(s.status, ServerStatus::Paused | ServerStatus::Draining)).collect();
            let draining = standby.iter().filter(|s| s.status == ServerStatus::Draining).count();
            let up: Vec<_> = servers.filter(|s| s.status == ServerStatus::Up).collect();
            let total = group.slots.total;
            let above = |percent: u32| group.slots.committed_vs_percent(percent).is_some_and(|o| o.is_gt());
            let below = |percent: u32| group.slots.committed_vs_percent(percent).is_some_and(|o| o.is_lt());
            let share = group.utilisation_percent.map(|u| format!("{u}%")).unwrap_or_else(|| "no capacity".into());
            let (action, reason) = if (total == 0 && !standby.is_empty()) || above(thresholds.scale_up_above) {
                // The standby with the most room brings the most relief.
                match standby.iter().max_by_key(|s| (s.slots.free, s.server_id.as_str().to_owned())) {
                    Some(server) => (
                        ScalingAction::ActivateStandby { server_id: server.server_id.clone(), from: server.status },
                        format!(
                            "{share} committed (above {}%): put {} server {} ({} free slots) back into service",
                            thresholds.scale_up_above,
                            server.status.as_str(),
                            server.name,
                            server.slots.free
                        ),
                    ),
                    None => (
                        ScalingAction::ProvisionServer,
                        format!("{share} committed (above {}%) and no standby server", thresholds.scale_up_above),
                    ),
                }
            } else if below(thresholds.scale_down_below) && up.len() >= 2 && draining == 0 {
                // The least utilised server, ids breaking ties; its clients end up on the others, so all the
                // committed slots must fit under the scale-up threshold of the capacity left, or the next
                // check would put it straight back.
                let quietest = up
                    .iter()
                    .min_by(|a, b| {
                        a.slots.cmp_load(&b.slots).then_with(|| a.server_id.as_str().cmp(b.server_id.as_str()))
                    })
                    .expect("two servers are up");
                let left = Slots {
                    total: group.slots.total - quietest.slots.total,
                    used: group.slots.used,
                    held: group.slots.held,
                    free: 0,
                };
                if left.committed_vs_percent(thresholds.scale_up_above).is_some_and(|o| o.is_lt()) {
                    (
                        ScalingAction::Drain { server_id: quietest.server_id.clone() },
                        format!(
                            "{share} committed (below {}%): drain {}, the least utilised of {} servers up",
                            thresholds.scale_down_below,
                            quietest.name,
                            up.len()
                        ),
                    )
                } else {
                    (
                        ScalingAction::Hold,
                        format!(
                            "{share} committed (below {}%), but without {} the others would be above {}%",
                            thresholds.scale_down_below, quietest.name, thresholds.scale_up_above
                        ),
                    )
                }
            } else {
                (ScalingAction::Hold, format!("{share} committed: within bounds"))
            };
            LocationScaling {
                location: group.location.clone(),
                servers_up: up.len(),
                standby: standby.len(),
                slots: group.slots,
                utilisation_percent: group.utilisation_percent,
                action,
                reason,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capacity::tests::server;
    use crate::{CapacityBands, capacity_table};

    fn decide(servers: &[proxy_core::domain::Server]) -> Vec<LocationScaling> {
        scaling_decisions(&capacity_table(servers, &[], &CapacityBands::default()), &ScalingThresholds::default())
    }

    #[test]
    fn above_85_percent_a_standby_comes_back_or_a_server_is_asked_for() {
        let at = |committed| decide(&[server("Paris", ServerStatus::Up, 100, committed, 0)])[0].action.clone();
        assert_eq!(at(85), ScalingAction::Hold, "85 % is not above 85 %");
        assert_eq!(at(86), ScalingAction::ProvisionServer, "no standby");
        let small = server("Paris", ServerStatus::Paused, 10, 0, 0);
        let big = server("Paris", ServerStatus::Paused, 50, 0, 0);
        let busy = server("Paris", ServerStatus::Up, 100, 80, 6);
        let broken = server("Paris", ServerStatus::Down, 500, 0, 0);
        let decisions = decide(&[busy, small, big.clone(), broken]);
        assert_eq!(
            decisions[0].action,
            ScalingAction::ActivateStandby { server_id: big.id, from: ServerStatus::Paused },
            "the biggest standby"
        );
        assert_eq!(decisions[0].standby, 2, "a down server is no standby");
        assert!(decisions[0].reason.contains("86%"), "{}", decisions[0].reason);
    }

    #[test]
    fn below_20_percent_the_least_used_server_drains_but_never_the_last() {
        let quiet = server("Oslo", ServerStatus::Up, 100, 5, 0);
        let busier = server("Oslo", ServerStatus::Up, 100, 30, 4);
        // 39 of 200 is 19.5 %.
        let decisions = decide(&[busier.clone(), quiet.clone()]);
        assert_eq!(decisions[0].action, ScalingAction::Drain { server_id: quiet.id.clone() });
        let at_20 = server("Oslo", ServerStatus::Up, 100, 35, 0);
        assert_eq!(decide(&[at_20, quiet.clone()])[0].action, ScalingAction::Hold, "40 of 200 is not below 20 %");
        assert_eq!(decide(std::slice::from_ref(&quiet))[0].action, ScalingAction::Hold, "the last server up stays");
        let draining = server("Oslo", ServerStatus::Draining, 100, 3, 0);
        assert_eq!(decide(&[busier, quiet, draining])[0].action, ScalingAction::Hold, "one server drains at a time");
    }

    #[test]
    fn a_drain_that_would_overload_the_rest_is_held() {
        // 15 of 110 is 13.6 %: the quietest by share is the big one (5 %), and without it 15 of 10 would not fit.
        let small_full = server("Kyiv", ServerStatus::Up, 10, 10, 0);
        let big_quiet = server("Kyiv", ServerStatus::Up, 100, 5, 0);
        let decision = &decide(&[small_full.clone(), big_quiet.clone()])[0];
        assert_eq!(decision.action, ScalingAction::Hold, "{}", decision.reason);
        assert!(decision.reason.contains("above 85%"), "{}", decision.reason);
        // With room left: 15 of 200 drains the least utilised (5 of 100), and 15 of 100 fits.
        let other = server("Kyiv", ServerStatus::Up, 100, 0, 0);
        let decision = &decide(&[big_quiet.clone(), other.clone(), server("Kyiv", ServerStatus::Up, 10, 10, 0)])[0];
        assert_eq!(decision.action, ScalingAction::Drain { server_id: other.id }, "{}", decision.reason);
    }

    #[test]
    fn a_draining_server_with_the_most_room_comes_back_first() {
        let busy = server("Lyon", ServerStatus::Up, 100, 90, 0);
        let draining = server("Lyon", ServerStatus::Draining, 100, 10, 0);
        let paused = server("Lyon", ServerStatus::Paused, 50, 0, 0);
        let decisions = decide(&[busy, draining.clone(), paused]);
        assert_eq!(
            decisions[0].action,
            ScalingAction::ActivateStandby { server_id: draining.id, from: ServerStatus::Draining },
            "90 free slots beat 50"
        );
        assert_eq!(decisions[0].standby, 2);
    }

    #[test]
    fn each_location_decides_for_itself() {
        let decisions = decide(&[
            server("Oslo", ServerStatus::Up, 10, 10, 0),
            server("Rome", ServerStatus::Up, 10, 5, 0),
            server("Rome", ServerStatus::Up, 10, 5, 0),
        ]);
        let actions: Vec<(&str, &ScalingAction)> = decisions.iter().map(|d| (d.location.as_str(), &d.action)).collect();
        assert_eq!(actions, [("Oslo", &ScalingAction::ProvisionServer), ("Rome", &ScalingAction::Hold)]);
    }

    #[test]
    fn a_location_with_only_standby_servers_brings_one_back() {
        let standby = server("Lima", ServerStatus::Paused, 20, 0, 0);
        let decisions = decide(std::slice::from_ref(&standby));
        assert_eq!(
            decisions[0].action,
            ScalingAction::ActivateStandby { server_id: standby.id, from: ServerStatus::Paused }
        );
        assert_eq!(decisions[0].utilisation_percent, None);
    }
}
