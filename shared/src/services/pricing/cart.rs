//! What pricing a cart needs from the store, in two batched reads: (1) the plans, the coupon, this customer's
//! use of it and the customer; (2) the plans' servers, plus any keys the caller adds (checkout adds the
//! wallet). Rules and demand come from the instance cache (`super::inputs`).

use crate::app::AppContext;
use crate::domain::{Coupon, Customer, CustomerId, Plan, PlanId, Server, ServerId};
use crate::error::PortResult;
use crate::http::FieldErrors;
use crate::ports::table::{Item, Key};
use crate::pricing::{Buyer, CartLine, CouponUse, PlanMarket, Quote, QuoteInput, QuoteRefusal, quote};
use crate::services::orders::OrderLine;
use crate::services::validation::add_error;
use crate::store::{decode, keys};
use std::collections::BTreeMap;

pub struct Cart {
    pub customer: Option<Customer>,
    pub plans: BTreeMap<PlanId, Plan>,
    pub coupon: Option<Coupon>,
    /// This customer has used the coupon before (recorded for single-use coupons).
    pub coupon_used: bool,
    pub servers: BTreeMap<ServerId, Server>,
    /// The items of the caller's extra keys that exist.
    pub extra: Vec<Item>,
}

pub async fn load(
    ctx: &AppContext,
    customer: &CustomerId,
    plan_ids: &[PlanId],
    coupon_code: Option<&str>,
    extra: Vec<Key>,
) -> PortResult<Cart> {
    let mut wanted: Vec<Key> = plan_ids.iter().map(keys::plan).collect();
    wanted.push(keys::customer(customer));
    if let Some(code) = coupon_code {
        wanted.push(keys::coupon(code));
        wanted.push(keys::coupon_use(code, customer));
    }
    let mut cart = Cart {
        customer: None,
        plans: BTreeMap::new(),
        coupon: None,
        coupon_used: false,
        servers: BTreeMap::new(),
        extra: Vec::new(),
    };
    for item in ctx.stores.table.get_many(&wanted).await? {
        let Some(key) = Key::of(&item) else { continue };
        match key.sk.as_str() {
            "PLAN" => {
                let plan: Plan = decode(item, &[])?;
                cart.plans.insert(plan.id.clone(), plan);
            }
            "PROFILE" => cart.customer = Some(decode(item, &[])?),
            "COUPON" => cart.coupon = Some(decode(item, &[])?),
            sk if sk.starts_with("USEDBY#") => cart.coupon_used = true,
            _ => {}
        }
    }
    let server_keys: std::collections::BTreeSet<Key> =
        cart.plans.values().map(|p| keys::server(&p.server_id)).collect();
    let extra_keys: std::collections::BTreeSet<Key> = extra.into_iter().collect();
    let wanted: Vec<Key> = server_keys.iter().chain(extra_keys.iter()).cloned().collect();
    if wanted.is_empty() {
        return Ok(cart);
    }
    for item in ctx.stores.table.get_many(&wanted).await? {
        match Key::of(&item) {
            Some(key) if server_keys.contains(&key) && !extra_keys.contains(&key) => {
                let server: Server = decode(item, &[])?;
                cart.servers.insert(server.id.clone(), server);
            }
            _ => cart.extra.push(item),
        }
    }
    Ok(cart)
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
        match cart.plans.get(&line.plan_id) {
            Some(plan) if plan.is_active => {
                if single_form_server.is_some_and(|s| *s != plan.server_id) {
                    add_error(&mut errors, "plan_id", "does not belong to the selected server");
                }
            }
            _ => add_error(&mut errors, &field("plan_id"), "is not a plan on sale"),
        }
    }
    if coupon_code.is_some() && cart.coupon.is_none() {
        add_error(&mut errors, "coupon_code", "is not a valid coupon");
    }
    errors
}

/// Prices `lines` (every plan of which is in the cart) for `customer`: the engine over the cart, the active
/// rules and the plans' demand.
pub async fn price(
    ctx: &AppContext,
    cart: &Cart,
    customer: &Customer,
    lines: &[OrderLine],
    months: u32,
) -> Result<Quote, PriceError> {
    let rules = super::inputs::active_rules(ctx).await?;
    let plan_ids: Vec<PlanId> = lines.iter().map(|l| l.plan_id.clone()).collect();
    let demand = super::inputs::demand(ctx, &plan_ids).await?;
    // Lines whose plan is not in the cart are not priced: `cart_errors` refuses such carts first.
    let cart_lines: Vec<CartLine> = lines
        .iter()
        .filter_map(|line| {
            let plan = cart.plans.get(&line.plan_id)?;
            let market = PlanMarket {
                plan,
                server: cart.servers.get(&plan.server_id),
                demand: demand.get(&plan.id).copied().unwrap_or_default(),
            };
            Some(CartLine { market, quantity: line.quantity })
        })
        .collect();
    let input = QuoteInput {
        rules: &rules.rules,
        rules_version: rules.version,
        buyer: Buyer {
            total_paid: customer.total_paid,
            created_at: customer.created_at,
            country: customer.country.as_deref(),
        },
        lines: cart_lines,
        months,
        coupon: cart.coupon.as_ref().map(|coupon| CouponUse { coupon, used_by_customer: cart.coupon_used }),
        now: ctx.clock.now(),
    };
    quote(&input).map_err(PriceError::Refused)
}

#[derive(Debug, thiserror::Error)]
pub enum PriceError {
    #[error(transparent)]
    Refused(QuoteRefusal),
    #[error(transparent)]
    Port(#[from] crate::error::PortError),
}

impl PriceError {
    /// The refusal as the field error a customer sees.
    pub fn field_errors(refusal: &QuoteRefusal) -> FieldErrors {
        let mut errors = FieldErrors::new();
        match refusal {
            QuoteRefusal::ZeroMonths => add_error(&mut errors, "duration", "must be at least 1 month"),
            QuoteRefusal::Coupon(reason) => add_error(&mut errors, "coupon_code", reason.clone()),
        }
        errors
    }
}
