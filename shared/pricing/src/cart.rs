//! What pricing a cart needs: its stored facts (`store::CartStore`, two batched reads: the plans, the coupon,
//! this customer's use of it and the customer; then the plans' servers and, for a checkout, the wallet), with
//! the rules and the plans' demand (`super::inputs`, usually from the instance cache) loaded alongside: they
//! depend only on the plan ids asked for.

use super::PricingEnv;
use super::cart_lines::OrderLine;
use super::inputs;
use chrono::{DateTime, Utc};
use proxy_core::domain::{Customer, CustomerId, PlanId, ServerId};
use proxy_core::error::PortResult;
use proxy_core::pricing::Demand;
use proxy_core::pricing::{Buyer, CartLine, CouponUse, PlanMarket, Quote, QuoteInput, QuoteRefusal, quote};
use proxy_core::validation::FieldErrors;
use proxy_core::validation::add_error;
use std::collections::HashMap;
use std::sync::Arc;
use store::{CartItems, RulesVersion};

/// A cart's stored facts (`store::CartItems`) and the pricing inputs beside them.
pub struct Cart {
    pub items: CartItems,
    pub rules: Arc<RulesVersion>,
    pub demand: HashMap<PlanId, Demand>,
}

pub async fn load(
    ctx: &impl PricingEnv,
    customer: &CustomerId,
    plan_ids: &[PlanId],
    coupon_code: Option<&str>,
    with_wallet: bool,
) -> PortResult<Cart> {
    let (items, rules, demand) = tokio::try_join!(
        ctx.stores().carts.read(customer, plan_ids, coupon_code, with_wallet),
        inputs::active_rules(ctx),
        inputs::demand(ctx, plan_ids),
    )?;
    inputs::remember_demand(ctx, items.plans.keys(), &demand);
    Ok(Cart { items, rules, demand })
}

/// The problems of a cart that need its data: plans not on sale, a plan that is not on the single form's
/// server, a coupon code that names no coupon. (Orders and quotes refuse the same carts.)
pub fn cart_errors(
    cart: &Cart,
    lines: &[OrderLine],
    single_form_server: Option<&ServerId>,
    coupon_code: Option<&str>,
) -> FieldErrors {
    let mut errors = FieldErrors::new();
    for (i, line) in lines.iter().enumerate() {
        let field =
            |name: &str| if single_form_server.is_some() { name.to_owned() } else { format!("items.{i}.{name}") };
        match cart.items.plans.get(&line.plan_id) {
            Some(plan) if plan.is_active => {
                if single_form_server.is_some_and(|s| *s != plan.server_id) {
                    add_error(&mut errors, "plan_id", "does not belong to the selected server");
                }
            }
            _ => add_error(&mut errors, &field("plan_id"), "is not a plan on sale"),
        }
    }
    if coupon_code.is_some() && cart.items.coupon.is_none() {
        add_error(&mut errors, "coupon_code", "is not a valid coupon");
    }
    errors
}

/// Prices `lines` (every plan of which is in the cart) for `customer` at `now`: the engine over the cart, its
/// rules and its plans' demand.
pub fn price(
    cart: &Cart,
    customer: &Customer,
    lines: &[OrderLine],
    months: u32,
    now: DateTime<Utc>,
) -> Result<Quote, QuoteRefusal> {
    // Lines whose plan is not in the cart are not priced: `cart_errors` refuses such carts first.
    let cart_lines: Vec<CartLine> = lines
        .iter()
        .filter_map(|line| {
            let plan = cart.items.plans.get(&line.plan_id)?;
            let market = PlanMarket {
                plan,
                server: cart.items.servers.get(&plan.server_id),
                demand: cart.demand.get(&plan.id).copied().unwrap_or_default(),
            };
            Some(CartLine { market, quantity: line.quantity })
        })
        .collect();
    let input = QuoteInput {
        rules: &cart.rules.rules,
        rules_version: cart.rules.version,
        buyer: Buyer {
            total_paid: customer.total_paid,
            created_at: customer.created_at,
            country: customer.country.as_deref(),
        },
        lines: cart_lines,
        months,
        coupon: cart.items.coupon.as_ref().map(|coupon| CouponUse { coupon, used_by_customer: cart.items.coupon_used }),
        now,
    };
    quote(&input)
}

/// A refusal as the field error a customer sees.
pub fn refusal_errors(refusal: &QuoteRefusal) -> FieldErrors {
    let mut errors = FieldErrors::new();
    match refusal {
        QuoteRefusal::ZeroMonths => add_error(&mut errors, "duration", "must be at least 1 month"),
        QuoteRefusal::Coupon(reason) => add_error(&mut errors, "coupon_code", reason.clone()),
    }
    errors
}
