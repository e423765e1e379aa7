//! Shop fixtures: a server with a plan, customers with funded wallets, orders to place.

use rust_decimal::Decimal;
use shared::app::AppContext;
use shared::domain::*;
use shared::services::orders::{OrderLine, ValidOrder};
use shared::store::new_wallet_transaction;

pub fn dec(s: &str) -> Decimal {
    s.parse().expect("a decimal")
}

pub struct Shop {
    pub server: Server,
    pub plan: Plan,
}

/// An `up` server with `slots` free slots and one 30-day plan at `price`.
pub async fn shop(ctx: &AppContext, slots: u32, price: &str) -> Shop {
    shop_with_ids(ctx, ServerId::generate(), PlanId::generate(), slots, price).await
}

/// Rules under which a plan sells at its list price: dynamic pricing off and no loyalty or new-customer
/// discount (subscription and bulk discounts stay). For tests of checkout's mechanics — wallet, capacity,
/// coupons — whose amounts should not move with the time of day; the pricing tests use the real defaults.
pub async fn list_prices(ctx: &AppContext) {
    let mut rules = shared::pricing::PricingRules::default();
    rules.dynamic.enabled = false;
    rules.loyalty.new_customer.discount_percent = Decimal::ZERO;
    for tier in &mut rules.loyalty.tiers {
        tier.discount_percent = Decimal::ZERO;
    }
    let active = ctx.stores.pricing.active().await.expect("active rules");
    if active.rules != rules {
        shared::services::pricing::admin::publish(ctx, "tests", rules, Some("list prices".into()), None)
            .await
            .expect("list-price rules");
    }
}

/// `shop`, selling at list prices (`list_prices`).
pub async fn shop_at_list_prices(ctx: &AppContext, slots: u32, price: &str) -> Shop {
    list_prices(ctx).await;
    shop(ctx, slots, price).await
}

/// `shop` with given ids (the `events/` samples name them).
pub async fn shop_with_ids(ctx: &AppContext, server_id: ServerId, plan_id: PlanId, slots: u32, price: &str) -> Shop {
    let now = ctx.clock.now();
    let server = Server {
        id: server_id,
        name: "fra-1".into(),
        location: "Frankfurt".into(),
        country: "DE".into(),
        status: ServerStatus::Up,
        max_clients: slots,
        active_clients: 0,
        held_clients: 0,
        free_slots: slots,
        panel_host: "127.0.0.1".into(),
        panel_port: 2053,
        created_at: now,
    };
    ctx.stores.catalog.create_server(&server).await.expect("server");
    let plan = Plan {
        id: plan_id,
        server_id: server.id.clone(),
        name: "Pro 30d".into(),
        price: dec(price),
        days: 30,
        protocol: "vless".into(),
        plan_type: "datacenter".into(),
        data_limit_gb: Some(100),
        is_active: true,
        is_popular: true,
        inbound_id: 1,
        created_at: now,
    };
    ctx.stores.catalog.create_plan(&plan).await.expect("plan");
    Shop { server, plan }
}

/// A plan like `shop`'s on a second server of the shop that is down.
pub async fn plan_on_a_down_server(ctx: &AppContext, shop: &Shop) -> Plan {
    let mut down = shop.server.clone();
    down.id = ServerId::generate();
    down.status = ServerStatus::Down;
    ctx.stores.catalog.create_server(&down).await.expect("server");
    let mut plan = shop.plan.clone();
    plan.id = PlanId::generate();
    plan.server_id = down.id.clone();
    ctx.stores.catalog.create_plan(&plan).await.expect("plan");
    plan
}

/// A customer (profile and a USD wallet holding `balance`).
pub async fn customer(ctx: &AppContext, balance: &str) -> CustomerId {
    customer_with_id(ctx, CustomerId::generate(), balance).await
}

/// The profile `customer` creates: username and e-mail derived from the id, so they are unique.
pub fn profile_of(id: &CustomerId, now: chrono::DateTime<chrono::Utc>) -> Customer {
    let short = id.as_str().replace('-', "")[..12].to_owned();
    Customer {
        id: id.clone(),
        name: "Test Customer".into(),
        username: format!("user_{short}"),
        email: format!("{short}@example.test"),
        phone: None,
        locale: "en".into(),
        timezone: "UTC".into(),
        country: None,
        theme_mode: ThemeMode::System,
        email_notifications: true,
        total_paid: Decimal::ZERO,
        created_at: now,
        last_login_at: None,
        suspended_at: None,
    }
}

/// `customer` with a given id.
pub async fn customer_with_id(ctx: &AppContext, id: CustomerId, balance: &str) -> CustomerId {
    let now = ctx.clock.now();
    ctx.stores.customers.create(&profile_of(&id, now)).await.expect("customer");
    let wallet = Wallet { customer_id: id.clone(), balance: Decimal::ZERO, currency: "USD".into(), updated_at: now };
    ctx.stores.wallets.open(&wallet).await.expect("wallet");
    if dec(balance) > Decimal::ZERO {
        let deposit =
            new_wallet_transaction(&id, TransactionType::Deposit, dec(balance), format!("DEP-{id}"), "test", now);
        ctx.stores.wallets.apply(&deposit, now).await.expect("deposit");
    }
    id
}

/// A wallet-paid order of `quantity` clients of `plan` for `months`.
pub fn order_of(plan: &Plan, quantity: u32, months: u32) -> ValidOrder {
    ValidOrder {
        lines: vec![OrderLine { plan_id: plan.id.clone(), quantity }],
        server_id: None,
        duration_months: months,
        payment_method: PaymentMethod::Wallet,
        currency: "USD".into(),
        notes: None,
        coupon_code: None,
        expected_total: None,
    }
}
