//! The rebalance plan: within one location, move clients from overloaded servers (committed share above 80 %)
//! to underloaded ones (below 40 %) that sell a protocol in common. How many is the original's rule, per
//! pair: `floor(min(move_share x source used, fill_share x target free))` (20 % and 80 %) — bounded here so a
//! source never gives more than its share in total over all its targets, and a target never takes more than
//! its share of the free slots it had. Targets are `up` servers; sources are overloaded `up` servers and
//! draining servers, which give all their provisioned clients (before any overloaded server: emptying them is
//! what draining is for). Pure: executing the plan (one migration job per client) is the caller's.

use super::{CapacityTable, ServerCapacity};
use proxy_core::domain::{ServerId, ServerStatus};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RebalanceRules {
    /// A server is overloaded above this committed percentage.
    pub overloaded_above: u32,
    /// And underloaded below this one.
    pub underloaded_below: u32,
    /// The most of a source's provisioned clients one plan moves, in percent.
    pub move_share_percent: u32,
    /// The most of a target's free slots one plan fills, in percent.
    pub fill_share_percent: u32,
}

impl Default for RebalanceRules {
    fn default() -> Self {
        RebalanceRules { overloaded_above: 80, underloaded_below: 40, move_share_percent: 20, fill_share_percent: 80 }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Migration {
    pub location: String,
    pub from: ServerId,
    pub to: ServerId,
    /// Protocols both servers sell: the clients moved are of these.
    pub protocols: Vec<String>,
    pub clients: u64,
    /// Moved because the source drains (not because it is overloaded): stops if it is put back into service.
    pub source_draining: bool,
}

/// `floor(total x percent / 100)`, exactly.
fn share(total: u64, percent: u32) -> u64 {
    (Decimal::from(total) * Decimal::from(percent) / Decimal::ONE_HUNDRED).floor().to_u64().unwrap_or(0)
}

/// The plan for every location (or only `location`), at most `limit` clients in all when given.
pub fn rebalance_plan(
    table: &CapacityTable,
    rules: &RebalanceRules,
    location: Option<&str>,
    limit: Option<u64>,
) -> Vec<Migration> {
    let committed_above = |s: &ServerCapacity, p: u32| s.slots.committed_vs_percent(p).is_some_and(|o| o.is_gt());
    let committed_below = |s: &ServerCapacity, p: u32| s.slots.committed_vs_percent(p).is_some_and(|o| o.is_lt());
    let by_id = |a: &ServerCapacity, b: &ServerCapacity| a.server_id.as_str().cmp(b.server_id.as_str());
    let in_scope =
        table.servers.iter().filter(|s| s.slots.total > 0).filter(|s| location.is_none_or(|l| s.location == l));
    let candidates = in_scope.clone().filter(|s| s.status == ServerStatus::Up);
    // Draining servers first, then the most loaded; emptiest targets first; ids break ties so a plan is
    // repeatable.
    let mut sources: Vec<(&ServerCapacity, u64)> = in_scope
        .filter(|s| s.status == ServerStatus::Draining && s.slots.used > 0)
        .map(|s| (s, s.slots.used))
        .chain(
            candidates
                .clone()
                .filter(|s| committed_above(s, rules.overloaded_above))
                .map(|s| (s, share(s.slots.used, rules.move_share_percent))),
        )
        .collect();
    let draining = |s: &ServerCapacity| s.status == ServerStatus::Draining;
    sources.sort_by(|(a, _), (b, _)| {
        draining(b).cmp(&draining(a)).then_with(|| b.slots.cmp_load(&a.slots)).then_with(|| by_id(a, b))
    });
    let mut targets: Vec<(&ServerCapacity, u64)> = candidates
        .filter(|s| committed_below(s, rules.underloaded_below))
        .map(|s| (s, share(s.slots.free, rules.fill_share_percent)))
        .collect();
    targets.sort_by(|(a, _), (b, _)| a.slots.cmp_load(&b.slots).then_with(|| by_id(a, b)));
    let mut left = limit.unwrap_or(u64::MAX);
    let mut plan = Vec::new();
    for (source, budget) in &mut sources {
        for (target, room) in targets.iter_mut() {
            if target.location != source.location || *budget == 0 || *room == 0 || left == 0 {
                continue;
            }
            let protocols: Vec<String> =
                source.protocols.iter().filter(|p| target.protocols.contains(p)).cloned().collect();
            if protocols.is_empty() {
                continue;
            }
            let clients = (*budget).min(*room).min(left);
            *budget -= clients;
            *room -= clients;
            left -= clients;
            plan.push(Migration {
                location: source.location.clone(),
                from: source.server_id.clone(),
                to: target.server_id.clone(),
                protocols,
                clients,
                source_draining: source.status == ServerStatus::Draining,
            });
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capacity::tests::{plan, server};
    use crate::{CapacityBands, capacity_table};
    use proxy_core::domain::{Plan, Server};

    fn table(servers: &[Server], plans: &[Plan]) -> CapacityTable {
        capacity_table(servers, plans, &CapacityBands::default())
    }

    fn vless(servers: &[&Server]) -> Vec<Plan> {
        servers.iter().map(|s| plan(s, "vless", true)).collect()
    }

    fn moves(plan: &[Migration]) -> Vec<(ServerId, ServerId, u64)> {
        plan.iter().map(|m| (m.from.clone(), m.to.clone(), m.clients)).collect()
    }

    #[test]
    fn the_original_rule_moves_the_smaller_of_its_two_shares() {
        // 90 used of 100: 20 % is 18; the idle target could take 80 % of its 90 free.
        let busy = server("Paris", ServerStatus::Up, 100, 90, 0);
        let idle = server("Paris", ServerStatus::Up, 100, 10, 0);
        let plan = rebalance_plan(
            &table(&[busy.clone(), idle.clone()], &vless(&[&busy, &idle])),
            &RebalanceRules::default(),
            None,
            None,
        );
        assert_eq!(moves(&plan), [(busy.id.clone(), idle.id.clone(), 18)], "20 % of 90 < 80 % of 90 free");
        let nearly_full_target = server("Paris", ServerStatus::Up, 20, 7, 0);
        let plan = rebalance_plan(
            &table(&[busy.clone(), nearly_full_target.clone()], &vless(&[&busy, &nearly_full_target])),
            &RebalanceRules::default(),
            None,
            None,
        );
        assert_eq!(moves(&plan), [(busy.id, nearly_full_target.id, 10)], "80 % of 13 free is 10.4: never more");
    }

    #[test]
    fn thresholds_are_strict_and_held_slots_count() {
        let at_80 = server("Rome", ServerStatus::Up, 100, 70, 10);
        let at_40 = server("Rome", ServerStatus::Up, 100, 40, 0);
        let idle = server("Rome", ServerStatus::Up, 100, 0, 0);
        let plans = vless(&[&at_80, &at_40, &idle]);
        let plan =
            rebalance_plan(&table(&[at_80.clone(), at_40, idle], &plans), &RebalanceRules::default(), None, None);
        assert!(plan.is_empty(), "80 % is not overloaded: {plan:?}");
        let at_81 = server("Rome", ServerStatus::Up, 100, 71, 10);
        let at_40 = server("Rome", ServerStatus::Up, 100, 40, 0);
        let plans = vless(&[&at_81, &at_40]);
        assert!(
            rebalance_plan(&table(&[at_81, at_40], &plans), &RebalanceRules::default(), None, None).is_empty(),
            "40 % is not underloaded"
        );
    }

    #[test]
    fn never_between_locations_protocols_or_to_servers_not_up() {
        let busy = server("Paris", ServerStatus::Up, 100, 95, 0);
        let elsewhere = server("Berlin", ServerStatus::Up, 100, 0, 0);
        let trojan_only = server("Paris", ServerStatus::Up, 100, 0, 0);
        let paused = server("Paris", ServerStatus::Paused, 100, 0, 0);
        let mut plans = vless(&[&busy, &elsewhere, &paused]);
        plans.push(plan(&trojan_only, "trojan", true));
        let servers = [busy, elsewhere, trojan_only, paused];
        assert!(rebalance_plan(&table(&servers, &plans), &RebalanceRules::default(), None, None).is_empty());
    }

    #[test]
    fn a_draining_server_gives_all_its_clients_first() {
        let draining = server("Oslo", ServerStatus::Draining, 100, 30, 2);
        let busy = server("Oslo", ServerStatus::Up, 100, 90, 0);
        let target = server("Oslo", ServerStatus::Up, 100, 0, 0); // takes at most 80
        let t = table(&[busy.clone(), draining.clone(), target.clone()], &vless(&[&busy, &draining, &target]));
        let plan = rebalance_plan(&t, &RebalanceRules::default(), None, None);
        assert_eq!(
            moves(&plan),
            [(draining.id, target.id.clone(), 30), (busy.id, target.id, 18)],
            "all 30 provisioned clients (held ones are not clients yet), then the overloaded server's share"
        );
        assert!(plan[0].source_draining && !plan[1].source_draining, "each step says why it moves");
    }

    #[test]
    fn a_source_gives_its_share_once_over_all_targets_and_the_limit_bounds_the_plan() {
        let busy = server("Oslo", ServerStatus::Up, 100, 90, 0); // gives at most 18
        let a = server("Oslo", ServerStatus::Up, 10, 0, 0); // takes at most 8
        let b = server("Oslo", ServerStatus::Up, 100, 0, 0); // takes at most 80
        let t = table(&[busy.clone(), a.clone(), b.clone()], &vless(&[&busy, &a, &b]));
        let plan = rebalance_plan(&t, &RebalanceRules::default(), None, None);
        assert_eq!(plan.iter().map(|m| m.clients).sum::<u64>(), 18, "{plan:?}");
        assert!(plan.iter().all(|m| m.protocols == ["vless"]));
        let limited = rebalance_plan(&t, &RebalanceRules::default(), None, Some(5));
        assert_eq!(limited.iter().map(|m| m.clients).sum::<u64>(), 5);
        assert!(rebalance_plan(&t, &RebalanceRules::default(), Some("Paris"), None).is_empty(), "another location");
        assert_eq!(rebalance_plan(&t, &RebalanceRules::default(), Some("Oslo"), None), plan, "the same plan again");
    }
}
