//! The demo data set of the local run: customers, wallets, servers in several locations, plans and about
//! 90 days of orders with a realistic shape (growth, weekly rhythm, evening peaks, failed and pending
//! payments, disputes), their clients and wallet movements. Deterministic for a seed.
//!
//! Written through the repositories, so it lands in whichever backend the server runs on. (Once the order
//! placement of the front-door issue exists, orders will be placed through it instead.)

use chrono::{Datelike, Duration, Timelike};
use rust_decimal::Decimal;
use shared::app::AppContext;
use shared::domain::*;
use shared::error::PortResult;
use shared::store::new_wallet_transaction;
use std::collections::HashMap;

const LOCATIONS: [(&str, &str); 8] = [
    ("Frankfurt", "DE"),
    ("Amsterdam", "NL"),
    ("London", "GB"),
    ("Paris", "FR"),
    ("New York", "US"),
    ("Singapore", "SG"),
    ("Tokyo", "JP"),
    ("Sao Paulo", "BR"),
];

const FIRST_NAMES: [&str; 16] = [
    "Amina", "Lucas", "Sofia", "Chen", "Mateo", "Olga", "Yuki", "Omar", "Lea", "Ivan", "Priya", "Diego", "Hana",
    "Noah", "Fatima", "Pierre",
];
const LAST_NAMES: [&str; 12] = [
    "Martin", "Ivanova", "Garcia", "Wang", "Rossi", "Dubois", "Tanaka", "Haddad", "Silva", "Smith", "Kowalski",
    "Nguyen",
];
const LOCALES: [(&str, &str); 6] = [
    ("en", "Europe/London"),
    ("fr", "Europe/Paris"),
    ("es", "America/Sao_Paulo"),
    ("ru", "Europe/Moscow"),
    ("ar", "Asia/Dubai"),
    ("zh", "Asia/Shanghai"),
];

#[derive(Debug, Default, Clone, PartialEq, serde::Serialize)]
pub struct DemoSummary {
    pub customers: usize,
    pub servers: usize,
    pub plans: usize,
    pub orders: usize,
    pub clients: usize,
    pub paid_revenue: Decimal,
}

fn id(rng: &mut fastrand::Rng) -> String {
    uuid::Uuid::from_u128(rng.u128(..)).to_string()
}

fn money(cents: i64) -> Decimal {
    Decimal::new(cents, 2)
}

/// Orders per day: growing about 60 % over the window, quieter at weekends, with day-to-day noise.
fn orders_on(day_index: i64, days: i64, weekday: chrono::Weekday, rng: &mut fastrand::Rng) -> usize {
    let growth = 1.0 + 0.6 * day_index as f64 / days as f64;
    let weekly = if matches!(weekday, chrono::Weekday::Sat | chrono::Weekday::Sun) { 0.7 } else { 1.0 };
    let noise = 0.75 + rng.f64() * 0.5;
    (7.0 * growth * weekly * noise).round() as usize
}

/// An hour of day weighted towards the evening (customers buy after work).
fn hour(rng: &mut fastrand::Rng) -> u32 {
    const WEIGHTS: [u32; 24] = [2, 1, 1, 1, 1, 1, 2, 3, 4, 5, 5, 6, 6, 6, 6, 6, 7, 8, 9, 10, 10, 9, 6, 4];
    let total: u32 = WEIGHTS.iter().sum();
    let mut pick = rng.u32(0..total);
    for (h, w) in WEIGHTS.iter().enumerate() {
        if pick < *w {
            return h as u32;
        }
        pick -= w;
    }
    23
}

pub async fn load(ctx: &AppContext, seed: u64) -> PortResult<DemoSummary> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let now = ctx.clock.now();
    let days: i64 = 90;
    let start = now - Duration::days(days);

    // Servers: two in the busiest locations; one paused, one down, so dashboards have something to flag.
    let mut servers = Vec::new();
    for (i, (location, country)) in LOCATIONS.iter().enumerate() {
        for n in 0..(if i < 4 { 2 } else { 1 }) {
            let status = match servers.len() {
                5 => ServerStatus::Paused,
                9 => ServerStatus::Down,
                _ => ServerStatus::Up,
            };
            servers.push(Server {
                id: ServerId(id(&mut rng)),
                name: format!("{}-{}", location.to_lowercase().replace(' ', "-"), n + 1),
                location: (*location).into(),
                country: (*country).into(),
                status,
                max_clients: [60, 80, 120, 150][rng.usize(0..4)],
                active_clients: 0,
                held_clients: 0,
                free_slots: 0,
                panel_host: format!("panel-{}.{}.1000proxy.example", n + 1, country.to_lowercase()),
                panel_port: 2053,
                created_at: start - Duration::days(30),
            });
        }
    }
    // Plans: three per server.
    let mut plans = Vec::new();
    for server in &servers {
        for (name, price, days, protocol, kind, limit) in [
            ("Starter", 499, 30, "vless", "datacenter", Some(100)),
            ("Pro", 1299, 30, "vmess", "residential", Some(500)),
            ("Business", 3499, 90, "trojan", "residential", None),
        ] {
            plans.push(Plan {
                id: PlanId(id(&mut rng)),
                server_id: server.id.clone(),
                name: format!("{name} {days}d — {}", server.location),
                price: money(price),
                days,
                protocol: protocol.into(),
                plan_type: kind.into(),
                data_limit_gb: limit,
                is_active: true,
                is_popular: name == "Pro",
                inbound_id: 1 + plans.len() as u32 % 3,
                created_at: server.created_at,
            });
        }
    }

    // Customers, arriving over the window and a little before it.
    let mut customers = Vec::new();
    for i in 0..60 {
        let first = FIRST_NAMES[rng.usize(0..FIRST_NAMES.len())];
        let last = LAST_NAMES[rng.usize(0..LAST_NAMES.len())];
        let (locale, timezone) = LOCALES[rng.usize(0..LOCALES.len())];
        let created_at = start - Duration::days(30) + Duration::hours(rng.i64(0..(days + 25) * 24));
        customers.push(Customer {
            id: CustomerId(id(&mut rng)),
            name: format!("{first} {last}"),
            username: format!("{}_{}{}", first.to_lowercase(), last.to_lowercase(), i),
            email: format!("{}.{}{}@example.com", first.to_lowercase(), last.to_lowercase(), i),
            phone: (i % 3 == 0).then(|| format!("+33 6 {:02} {:02} {:02} {:02}", i, i + 1, i + 2, i + 3)),
            locale: locale.into(),
            timezone: timezone.into(),
            theme_mode: [ThemeMode::Light, ThemeMode::Dark, ThemeMode::System][i % 3],
            email_notifications: i % 4 != 0,
            total_paid: Decimal::ZERO,
            loyalty_tier: LoyaltyTier::Basic,
            created_at,
            last_login_at: Some(now - Duration::hours(rng.i64(1..24 * 40))),
            suspended_at: None,
        });
    }

    // Orders, day by day; capacity is respected (a full server sells nothing more).
    let mut active_per_server: HashMap<ServerId, u32> = HashMap::new();
    let mut orders = Vec::new();
    let mut clients = Vec::new();
    let mut debits = Vec::new();
    let mut spent: HashMap<CustomerId, Decimal> = HashMap::new();
    for day_index in 0..days {
        let day = start + Duration::days(day_index);
        for _ in 0..orders_on(day_index, days, day.date_naive().weekday(), &mut rng) {
            let created_at = day.with_hour(hour(&mut rng)).unwrap_or(day) + Duration::minutes(rng.i64(0..60));
            if created_at >= now {
                continue;
            }
            let buyers: Vec<&Customer> = customers.iter().filter(|c| c.created_at < created_at).collect();
            if buyers.is_empty() {
                continue;
            }
            // A few loyal customers buy far more often than the rest.
            let customer = if rng.f64() < 0.35 {
                buyers[rng.usize(0..buyers.len().min(8))]
            } else {
                buyers[rng.usize(0..buyers.len())]
            };
            let plan = &plans[rng.usize(0..plans.len())];
            let server = servers.iter().find(|s| s.id == plan.server_id).expect("plan's server exists");
            let quantity = [1, 1, 1, 2, 3][rng.usize(0..5)];
            let duration_months = [1, 1, 1, 3, 6, 12][rng.usize(0..6)];
            let used = active_per_server.get(&server.id).copied().unwrap_or(0);
            if server.status != ServerStatus::Up || used + quantity > server.max_clients {
                continue;
            }
            let payment_method =
                [PaymentMethod::Wallet, PaymentMethod::Wallet, PaymentMethod::Stripe, PaymentMethod::Nowpayments]
                    [rng.usize(0..4)];
            let roll = rng.f64();
            let payment_status = if roll < 0.05 {
                PaymentStatus::Failed
            } else if roll < 0.08 {
                PaymentStatus::Pending
            } else {
                PaymentStatus::Paid
            };
            let age = now - created_at;
            let order_status = match payment_status {
                PaymentStatus::Paid if rng.f64() < 0.01 => OrderStatus::Dispute,
                PaymentStatus::Paid if age < Duration::minutes(30) => OrderStatus::Processing,
                PaymentStatus::Paid => OrderStatus::Completed,
                _ => OrderStatus::New,
            };
            let subtotal = plan.price * Decimal::from(quantity) * Decimal::from(duration_months);
            let order_id = OrderId(id(&mut rng));
            let order = Order {
                id: order_id.clone(),
                order_number: format!("ORD-{}-{:05}", created_at.format("%Y%m%d"), orders.len() + 1),
                customer_id: customer.id.clone(),
                subtotal,
                discount: Decimal::ZERO,
                grand_amount: subtotal,
                currency: "USD".into(),
                payment_method,
                payment_status,
                order_status,
                coupon_code: None,
                duration_months,
                notes: None,
                item_count: 1,
                created_at,
                updated_at: created_at,
                completed_at: (order_status == OrderStatus::Completed)
                    .then(|| created_at + Duration::minutes(rng.i64(1..20))),
            };
            let expires_at = created_at + Duration::days(i64::from(plan.days * duration_months));
            let line = OrderItem {
                order_id: order_id.clone(),
                line: 0,
                plan_id: plan.id.clone(),
                server_id: server.id.clone(),
                quantity,
                unit_amount: plan.price * Decimal::from(duration_months),
                total_amount: subtotal,
                created_at,
                expires_at: Some(expires_at),
            };
            if payment_status == PaymentStatus::Paid {
                *spent.entry(customer.id.clone()).or_default() += subtotal;
                if payment_method == PaymentMethod::Wallet {
                    let mut debit = new_wallet_transaction(
                        &customer.id,
                        TransactionType::Debit,
                        subtotal,
                        order.order_number.clone(),
                        format!("Order {}", order.order_number),
                        created_at,
                    );
                    debit.order_id = Some(order_id.clone());
                    debits.push(debit);
                }
                if order_status != OrderStatus::Dispute {
                    let active = expires_at > now;
                    if active {
                        *active_per_server.entry(server.id.clone()).or_default() += quantity;
                    }
                    for _ in 0..quantity {
                        clients.push(ServerClient {
                            id: ClientId(id(&mut rng)),
                            server_id: server.id.clone(),
                            plan_id: plan.id.clone(),
                            order_id: order_id.clone(),
                            customer_id: customer.id.clone(),
                            is_active: active,
                            expires_at,
                            traffic_used_bytes: rng
                                .u64(0..plan.data_limit_gb.map_or(800, u64::from) * 1_000_000_000 / 2),
                            traffic_limit_bytes: plan.data_limit_gb.map(|gb| u64::from(gb) * 1_000_000_000),
                            created_at: order.completed_at.unwrap_or(created_at),
                        });
                    }
                }
            }
            orders.push((order, vec![line]));
        }
    }

    // Writes.
    let mut summary = DemoSummary::default();
    for server in &mut servers {
        server.active_clients = active_per_server.get(&server.id).copied().unwrap_or(0);
        server.free_slots = server.max_clients - server.active_clients;
        ctx.stores.catalog.create_server(server).await?;
    }
    for plan in &plans {
        ctx.stores.catalog.create_plan(plan).await?;
    }
    for customer in &mut customers {
        customer.total_paid = spent.get(&customer.id).copied().unwrap_or_default();
        customer.loyalty_tier = match customer.total_paid {
            p if p >= Decimal::from(1000) => LoyaltyTier::Gold,
            p if p >= Decimal::from(500) => LoyaltyTier::Silver,
            p if p >= Decimal::from(100) => LoyaltyTier::Bronze,
            _ => LoyaltyTier::Basic,
        };
        ctx.stores.customers.create(customer).await?;
        ctx.stores
            .wallets
            .open(&Wallet {
                customer_id: customer.id.clone(),
                balance: Decimal::ZERO,
                currency: "USD".into(),
                updated_at: customer.created_at,
            })
            .await?;
        // Enough deposited to cover every wallet-paid order, with something left over.
        let wallet_spend: Decimal = debits.iter().filter(|d| d.customer_id == customer.id).map(|d| -d.amount).sum();
        let deposit = (wallet_spend + money(rng.i64(1000..20000))).round_dp(2);
        let credit = new_wallet_transaction(
            &customer.id,
            TransactionType::Deposit,
            deposit,
            format!("DEP-{}", customer.id),
            "Card top-up",
            customer.created_at + Duration::minutes(5),
        );
        ctx.stores.wallets.apply(&credit, now).await?;
    }
    for debit in &debits {
        ctx.stores.wallets.apply(debit, now).await?;
    }
    for (order, lines) in &orders {
        ctx.stores.table.transact(ctx.stores.orders.create_ops(order, lines)?).await?;
        if order.payment_status == PaymentStatus::Paid {
            summary.paid_revenue += order.grand_amount;
        }
    }
    for client in &clients {
        ctx.stores.clients.create(client).await?;
    }
    summary.customers = customers.len();
    summary.servers = servers.len();
    summary.plans = plans.len();
    summary.orders = orders.len();
    summary.clients = clients.len();
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::clock::{Clock, ManualClock};
    use std::sync::Arc;

    #[tokio::test]
    async fn the_demo_data_is_consistent_and_repeatable() {
        let clock =
            Arc::new(ManualClock::new(chrono::DateTime::parse_from_rfc3339("2026-11-24T12:00:00Z").unwrap().into()));
        let ctx = AppContext::in_memory(clock.clone());
        let summary = load(&ctx, 7).await.unwrap();
        assert!(summary.orders > 400 && summary.clients > 0, "{summary:?}");

        // Every server's counter equals its active clients and stays within capacity.
        for server in ctx.stores.catalog.servers().await.unwrap() {
            let active = ctx.stores.clients.of_server(&server.id, true).await.unwrap();
            assert_eq!(server.active_clients as usize, active.len(), "{}", server.name);
            assert!(server.active_clients <= server.max_clients);
            assert!(active.iter().all(|c| c.expires_at > clock.now()));
        }
        // No wallet went negative, and paid revenue is what the orders say.
        let now = clock.now();
        let paid =
            ctx.stores.orders.by_payment_status(PaymentStatus::Paid, now - Duration::days(91), now).await.unwrap();
        assert_eq!(paid.iter().map(|o| o.grand_amount).sum::<Decimal>(), summary.paid_revenue);
        let buyers: std::collections::BTreeSet<&CustomerId> = paid.iter().map(|o| &o.customer_id).collect();
        for customer in buyers {
            let wallet = ctx.stores.wallets.get(customer).await.unwrap().unwrap();
            assert!(wallet.balance >= Decimal::ZERO);
        }

        let again = load(&AppContext::in_memory(clock), 7).await.unwrap();
        assert_eq!(again, summary, "same seed, same data");
    }
}
