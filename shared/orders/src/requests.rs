//! `POST /api/orders` input and its rules (the original's CreateOrderRequest): either `items` (1..=10 lines of
//! plan_id + quantity 1..=50) or the single form `server_id` + `plan_id` + `quantity` (1..=10); `duration` months
//! 1..=12 (default 1); `payment_method` wallet|stripe|paypal|nowpayments; `currency` USD|EUR|GBP|BTC|XMR|SOL
//! (default USD); `notes` at most 500 characters; optional `coupon_code`.

use garde::Validate;
use pricing::{OrderLine, RequestLine, order_lines};
use proxy_core::domain::{CURRENCIES, PaymentMethod, ServerId};
use proxy_core::validation::FieldErrors;
use proxy_core::validation::{one_of, parse_json};
use rust_decimal::Decimal;
use serde::Deserialize;

/// An order: its cart (`items`, or `server_id` with `plan_id` and `quantity`) and how it is paid. Field types are
/// what JSON carries; `into_valid` checks the rules.
#[derive(Debug, Clone, Default, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "openapi", schemars(extend("oneOf" = pricing::cart_forms())))]
pub struct CreateOrderRequest {
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
    #[garde(required, custom(one_of(&PAYMENT_METHODS)))]
    #[cfg_attr(feature = "openapi", schemars(extend("enum" = AVAILABLE_PAYMENT_METHODS)))]
    pub payment_method: Option<String>,
    #[garde(custom(one_of(&CURRENCIES)))]
    #[cfg_attr(feature = "openapi", schemars(extend("enum" = proxy_core::validation::optional_one_of(&CURRENCIES))))]
    pub currency: Option<String>,
    #[garde(length(chars, max = 500))]
    pub notes: Option<String>,
    #[garde(length(chars, min = 1, max = 50))]
    pub coupon_code: Option<String>,
    /// The total the customer was quoted (`POST /api/pricing/quote`): when given, an order whose price has
    /// changed since is refused (409 `price_changed`) instead of charged.
    #[serde(default, deserialize_with = "proxy_core::validation::optional_money")]
    #[garde(custom(non_negative_money))]
    #[cfg_attr(feature = "openapi", schemars(schema_with = "non_negative_money_schema"))]
    pub expected_total: Option<Decimal>,
}

/// Every `payment_method` the API knows (the original's list).
pub const PAYMENT_METHODS: [&str; 4] = ["wallet", "stripe", "paypal", "nowpayments"];
/// The ones an order can be paid with today, as the document lists them: placing refuses the card and crypto
/// gateways with a 422 until they are connected (`PlaceError::PaymentMethodUnavailable`).
pub const AVAILABLE_PAYMENT_METHODS: [&str; 1] = ["wallet"];

fn non_negative_money(value: &Option<Decimal>, _: &()) -> garde::Result {
    match value {
        Some(v) if v.is_sign_negative() || v.scale() > 2 && v.round_dp(2) != *v => {
            Err(garde::Error::new("must be an amount of at least 0, in cents"))
        }
        _ => Ok(()),
    }
}

/// `non_negative_money` as a schema: an integer of at least 0 or decimal text with at most 2 decimal places
/// (`validation::optional_money` reads either).
#[cfg(feature = "openapi")]
fn non_negative_money_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"anyOf": [
        {"type": "null"},
        {"type": "integer", "minimum": 0, "maximum": u64::MAX},
        // At most 2 decimal places that are not 0.
        {"type": "string", "maxLength": proxy_core::validation::MONEY_TEXT_MAX,
         "pattern": "^(0|[1-9][0-9]*)(\\.[0-9]{1,2}0*)?$"}
    ]})
}

/// A request that passed every rule that needs no data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidOrder {
    pub lines: Vec<OrderLine>,
    /// The single form's server: its plan must belong to it.
    pub server_id: Option<ServerId>,
    pub duration_months: u32,
    pub payment_method: PaymentMethod,
    pub currency: String,
    pub notes: Option<String>,
    pub coupon_code: Option<String>,
    pub expected_total: Option<Decimal>,
}

impl CreateOrderRequest {
    /// Parses a body; a body that is not the right JSON shape gets field errors too (never a 500).
    pub fn parse(body: &str) -> Result<CreateOrderRequest, FieldErrors> {
        parse_json(body)
    }

    pub fn into_valid(self) -> Result<ValidOrder, FieldErrors> {
        let mut errors = proxy_core::validation::check(&self).err().unwrap_or_default();
        let lines = order_lines(&self.items, &self.server_id, &self.plan_id, self.quantity, &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        let payment_method = match self.payment_method.as_deref() {
            Some("stripe") => PaymentMethod::Stripe,
            Some("paypal") => PaymentMethod::Paypal,
            Some("nowpayments") => PaymentMethod::Nowpayments,
            _ => PaymentMethod::Wallet,
        };
        Ok(ValidOrder {
            lines,
            server_id: self.server_id.map(ServerId),
            duration_months: self.duration.unwrap_or(1) as u32,
            payment_method,
            currency: self.currency.unwrap_or_else(|| "USD".into()),
            notes: self.notes.filter(|n| !n.trim().is_empty()),
            coupon_code: self.coupon_code.map(|c| c.trim().to_uppercase()),
            expected_total: self.expected_total,
        })
    }
}

impl ValidOrder {
    /// A stable digest of what was asked for: a retry under the same `Idempotency-Key` must ask for the same.
    pub fn fingerprint(&self) -> String {
        let lines: Vec<String> = self.lines.iter().map(|l| format!("{}x{}", l.plan_id, l.quantity)).collect();
        let canonical = serde_json::json!({
            "lines": lines,
            "server_id": self.server_id.as_ref().map(|s| s.as_str()),
            "duration_months": self.duration_months,
            "payment_method": self.payment_method,
            "currency": self.currency,
            "notes": self.notes,
            "coupon_code": self.coupon_code,
        });
        // Only when sent, so the digests of keys recorded before the field existed stay the same.
        let mut canonical = canonical;
        if let Some(total) = self.expected_total {
            canonical["expected_total"] = serde_json::json!(total.normalize());
        }
        uuid::Uuid::new_v5(&FINGERPRINT_NAMESPACE, canonical.to_string().as_bytes()).to_string()
    }
}

const FINGERPRINT_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x1000_7072_6f78_7900_8000_0000_0000_0003);
