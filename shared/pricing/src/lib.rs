//! Pricing services: loading what the engine (`proxy_core::pricing`) needs, the customer's quote, and the admin's
//! view and versioned rules. Checkout prices through `cart::price` too, so a quote and an order placed with
//! the same inputs cost the same.

pub mod admin;
mod cache;
pub mod cart;
mod cart_lines;
#[cfg(feature = "openapi")]
pub use cart_lines::cart_forms;
pub mod endpoints;
pub mod inputs;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod promotions;
mod requests;

pub use cache::{DEMAND_TTL, PricingCache, RULES_TTL};
pub use cart_lines::{OrderLine, RequestLine, order_lines};
pub use requests::{QuoteRequest, ValidQuote};

use proxy_core::domain::{CustomerId, PlanId, ServerStatus, units_per_server};
use proxy_core::error::PortError;
use proxy_core::pricing::Quote;
use proxy_core::validation::FieldErrors;
use serde::Serialize;

/// This instance's cache of pricing rules and demand (`PricingCache`).
pub trait HasPricingCache {
    fn pricing_cache(&self) -> &PricingCache;
}

platform::env!(
    /// What pricing needs: the clock, the repositories, this instance's cache of rules and demand, and the cache
    /// of views (the admin overview).
    PricingEnv: platform::deps::HasClock, platform::deps::HasStores, HasPricingCache, ::cache::HasTieredCache
);

/// Whether a line could be ordered now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LineAvailability {
    pub plan_id: PlanId,
    pub available: bool,
    /// Why not, when not.
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuoteView {
    pub quote: Quote,
    pub availability: Vec<LineAvailability>,
}

#[derive(Debug, thiserror::Error)]
pub enum QuoteError {
    #[error("the cart is invalid")]
    Invalid(FieldErrors),
    #[error("customer {0} has no profile")]
    UnknownCustomer(CustomerId),
    #[error(transparent)]
    Port(#[from] PortError),
}

/// What `customer` would pay for the cart now, with the breakdown and whether each line can be ordered.
pub async fn quote_for(
    ctx: &impl PricingEnv,
    customer: &CustomerId,
    request: ValidQuote,
) -> Result<QuoteView, QuoteError> {
    let plan_ids: Vec<PlanId> = request.lines.iter().map(|l| l.plan_id.clone()).collect();
    let cart = cart::load(ctx, customer, &plan_ids, request.coupon_code.as_deref(), false).await?;
    let errors = cart::cart_errors(&cart, &request.lines, request.server_id.as_ref(), request.coupon_code.as_deref());
    if !errors.is_empty() {
        return Err(QuoteError::Invalid(errors));
    }
    let Some(buyer) = &cart.items.customer else {
        return Err(QuoteError::UnknownCustomer(customer.clone()));
    };
    let quote = cart::price(&cart, buyer, &request.lines, request.duration_months, ctx.clock().now())
        .map_err(|refusal| QuoteError::Invalid(cart::refusal_errors(&refusal)))?;
    let per_server = units_per_server(&quote.lines);
    let availability = quote
        .lines
        .iter()
        .map(|line| {
            let wanted = per_server.get(&line.server_id).copied().unwrap_or_default();
            let reason = match cart.items.servers.get(&line.server_id) {
                Some(s) if s.status != ServerStatus::Up => Some("the server is not available".to_owned()),
                Some(s) if s.free_slots < wanted => Some(format!("{} free slots on the server", s.free_slots)),
                Some(_) => None,
                None => Some("the server is not available".to_owned()),
            };
            LineAvailability { plan_id: line.plan_id.clone(), available: reason.is_none(), reason }
        })
        .collect();
    Ok(QuoteView { quote, availability })
}
