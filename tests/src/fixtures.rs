//! Shop fixtures: a server with a plan, customers with funded wallets, orders to place.

use rust_decimal::Decimal;
use shared::app::AppContext;
use shared::domain::*;
use shared::services::orders::{OrderLine, ValidOrder};
use shared::store::new_credit;

pub fn dec(s: &str) -> Decimal {
    s.parse().expect("a decimal")
}

pub struct Shop {
    pub server: Server,
    pub plan: Plan,
}

/// An `up` server with `slots` free slots and one 30-day plan at `price`.
pub async fn shop(ctx: &AppContext, slots: u32, price: &str) -> Shop {
    let now = ctx.clock.now();
    let server = Server {
        id: ServerId::generate(),
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
        id: PlanId::generate(),
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

/// A customer with a USD wallet holding `balance`.
pub async fn customer(ctx: &AppContext, balance: &str) -> CustomerId {
    let id = CustomerId::generate();
    let now = ctx.clock.now();
    let wallet = Wallet { customer_id: id.clone(), balance: Decimal::ZERO, currency: "USD".into(), updated_at: now };
    ctx.stores.wallets.open(&wallet).await.expect("wallet");
    if dec(balance) > Decimal::ZERO {
        let deposit = new_credit(&id, TransactionType::Deposit, dec(balance), format!("DEP-{id}"), "test", now);
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
    }
}
