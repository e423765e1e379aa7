//! `POST /api/pricing/quote` input: the cart of an order without its payment — `items` (or the single form
//! `server_id` + `plan_id` + `quantity`), `duration` months 1..=12 (default 1) and an optional `coupon_code`,
//! under the same rules as `POST /api/orders`.

use super::cart_lines::{OrderLine, RequestLine, order_lines};
use garde::Validate;
use proxy_core::domain::ServerId;
use proxy_core::validation::FieldErrors;
use proxy_core::validation::parse_json;
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "openapi", schemars(extend("oneOf" = crate::cart_lines::cart_forms())))]
pub struct QuoteRequest {
    #[garde(length(min = 1, max = 10), dive)]
    pub items: Option<Vec<RequestLine>>,
    #[garde(length(chars, min = 1, max = 100))]
    pub server_id: Option<String>,
    #[garde(length(chars, min = 1, max = 100))]
    pub plan_id: Option<String>,
    #[garde(range(min = 1, max = 10))]
    pub quantity: Option<i64>,
    #[garde(range(min = 1, max = 12))]
    pub duration: Option<i64>,
    #[garde(length(chars, min = 1, max = 50))]
    pub coupon_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidQuote {
    pub lines: Vec<OrderLine>,
    pub server_id: Option<ServerId>,
    pub duration_months: u32,
    pub coupon_code: Option<String>,
}

impl QuoteRequest {
    pub fn parse(body: &str) -> Result<QuoteRequest, FieldErrors> {
        parse_json(body)
    }

    pub fn into_valid(self) -> Result<ValidQuote, FieldErrors> {
        let mut errors = proxy_core::validation::check(&self).err().unwrap_or_default();
        let lines = order_lines(&self.items, &self.server_id, &self.plan_id, self.quantity, &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(ValidQuote {
            lines,
            server_id: self.server_id.map(ServerId),
            duration_months: self.duration.unwrap_or(1) as u32,
            coupon_code: self.coupon_code.map(|c| c.trim().to_uppercase()),
        })
    }
}
