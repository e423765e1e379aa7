//! A fleet of servers for the inventory's benchmark and round-trip test: `servers` servers over eight
//! locations (a few paused or down), two plans each, and `days` days of daily sales on the items the analytics
//! worker keeps for the forecast.
//! Deterministic: numbers come from the server's and the day's index, not a random generator.

use chrono::Duration;
use integration_tests::TestApp;
use rust_decimal::Decimal;
use shared::domain::{Money, Plan, PlanId, Server, ServerId, ServerStatus};
use shared::ports::table::{Update, UpdateAction};
use shared::store::keys;

pub const LOCATIONS: [&str; 8] =
    ["Frankfurt", "Amsterdam", "London", "Paris", "New York", "Singapore", "Tokyo", "Lima"];

pub struct Fleet {
    pub servers: Vec<Server>,
    pub plans: Vec<Plan>,
}

/// A spread of numbers from an index: deterministic, not uniform, good enough for load shapes.
fn spread(i: usize, modulo: u64) -> u64 {
    (i as u64).wrapping_mul(2_654_435_761) % modulo
}

pub async fn seed_fleet(app: &TestApp, servers: usize, days: u32) -> Fleet {
    let ctx = &app.ctx;
    let now = ctx.clock.now();
    let mut fleet = Fleet { servers: Vec::new(), plans: Vec::new() };
    for i in 0..servers {
        let max = [100, 200, 500][spread(i, 3) as usize];
        let server = Server {
            id: ServerId(format!("srv-{i:05}")),
            name: format!("srv-{i}"),
            location: LOCATIONS[i % LOCATIONS.len()].into(),
            country: "XX".into(),
            status: match spread(i, 40) {
                0 => ServerStatus::Down,
                1 => ServerStatus::Paused,
                _ => ServerStatus::Up,
            },
            max_clients: max,
            active_clients: 0,
            held_clients: 0,
            free_slots: max,
            panel_host: "127.0.0.1".into(),
            panel_port: 2053,
            created_at: now - Duration::days(400),
        };
        ctx.stores.catalog.create_server(&server).await.expect("server");
        for (p, protocol) in ["vless", "trojan"].into_iter().enumerate() {
            let plan = Plan {
                id: PlanId(format!("plan-{i:05}-{p}")),
                server_id: server.id.clone(),
                name: format!("{protocol} 30d"),
                price: Money::from(5),
                days: 30,
                protocol: protocol.into(),
                plan_type: "datacenter".into(),
                data_limit_gb: None,
                is_active: true,
                is_popular: false,
                inbound_id: p as u32 + 1,
                created_at: server.created_at,
            };
            ctx.stores.catalog.create_plan(&plan).await.expect("plan");
            fleet.plans.push(plan);
        }
        fleet.servers.push(server);
    }
    // Sales: each server sells 0..4 clients a day plus a slow trend, written straight to the day items the
    // analytics worker keeps (`StatsStore::record_order` adds them in a transaction per order, which moto copies
    // its whole table for, per operation: at a thousand servers it ran out of memory).
    for day in 1..=days {
        let date = (now - Duration::days(i64::from(day))).date_naive();
        for (i, server) in fleet.servers.iter().enumerate() {
            let sold = spread(i + day as usize, 5) + u64::from(days - day) / 14;
            if sold > 0 {
                let actions = vec![UpdateAction::Add("clients".into(), Decimal::from(sold))];
                let update = Update { key: keys::server_day(&server.id, date), actions, condition: None };
                app.table.update(update).await.expect("sales");
            }
        }
    }
    fleet
}
