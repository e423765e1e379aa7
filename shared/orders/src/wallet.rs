//! Wallets: what a customer sees (`GET /api/wallet`) and the admin credit (`POST
//! /admin/customers/{id}/wallet/credit`), a deposit with a reason, recorded with the admin who made it.

use garde::Validate;
use platform::events::publish;
use proxy_core::domain::{CURRENCIES, CustomerId, DomainEvent, Money, TransactionType, Wallet, WalletTransaction};
use proxy_core::error::PortError;
use proxy_core::ports::table::Cursor;
use proxy_core::validation::FieldErrors;
use proxy_core::validation::{add_error, one_of, parse_json};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use store::new_wallet_transaction;

platform::env!(
    /// What the wallet needs: the clock, the repositories, the queues (its events) and the cache of views.
    WalletEnv: platform::deps::HasClock, platform::deps::HasStores, platform::deps::HasQueue, cache::HasTieredCache
);

/// The currency of a wallet opened by its first credit, when the credit names none.
pub const DEFAULT_CURRENCY: &str = "USD";
/// The largest single credit: a typo guard (an extra zero), not a business limit.
pub const MAX_CREDIT: Decimal = Decimal::from_parts(100_000, 0, 0, false, 0);

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WalletView {
    pub balance: Money,
    pub currency: String,
    pub updated_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Newest first.
    pub transactions: Vec<WalletTransaction>,
    /// Pass back as `cursor` for the next page; null on the last one.
    pub next_cursor: Option<String>,
}

/// The wallet and one page of its transactions (the first through the cache of views). A customer who never
/// had money sees an empty USD wallet.
pub async fn view(
    ctx: &impl WalletEnv,
    customer: &CustomerId,
    limit: usize,
    after: Option<Cursor>,
) -> Result<WalletView, PortError> {
    match after {
        None => {
            let view = crate::cached::wallet_view(customer, limit);
            ctx.tiered_cache().get_or_load(&view, || read_view(ctx, customer, limit, None)).await
        }
        after => read_view(ctx, customer, limit, after).await,
    }
}

async fn read_view(
    ctx: &impl WalletEnv,
    customer: &CustomerId,
    limit: usize,
    after: Option<Cursor>,
) -> Result<WalletView, PortError> {
    let wallet = ctx.stores().wallets.get(customer).await?;
    let (transactions, next) = ctx.stores().wallets.transactions_of(customer, limit, after).await?;
    Ok(WalletView {
        balance: wallet.as_ref().map(|w| w.balance).unwrap_or_default(),
        currency: wallet.as_ref().map(|w| w.currency.clone()).unwrap_or_else(|| DEFAULT_CURRENCY.into()),
        updated_at: wallet.map(|w| w.updated_at),
        // Which admin made a credit is for the audit trail, not for the customer.
        transactions: transactions.into_iter().map(|t| WalletTransaction { created_by: None, ..t }).collect(),
        next_cursor: next.as_ref().map(Cursor::token),
    })
}

#[derive(Debug, Clone, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "openapi", schemars(transform = amount_is_required))]
pub struct CreditRequest {
    #[serde(default, deserialize_with = "proxy_core::validation::optional_money")]
    #[garde(required, custom(valid_amount))]
    #[cfg_attr(feature = "openapi", schemars(schema_with = "amount_schema"))]
    pub amount: Option<Decimal>,
    #[garde(required, length(chars, min = 3, max = 500))]
    // Trimmed before the rule: at least 3 characters from the first to the last that is not a space.
    #[cfg_attr(feature = "openapi", schemars(pattern(proxy_core::validation::not_blank_pattern(3))))]
    pub reason: Option<String>,
    #[garde(custom(one_of(&CURRENCIES)))]
    #[cfg_attr(feature = "openapi", schemars(pattern(currency_pattern())))]
    pub currency: Option<String>,
}

fn valid_amount(value: &Option<Decimal>, _: &()) -> garde::Result {
    match value {
        Some(a) if *a <= Decimal::ZERO => Err(garde::Error::new("must be greater than 0")),
        Some(a) if *a > MAX_CREDIT => Err(garde::Error::new(format!("may not be greater than {MAX_CREDIT}"))),
        Some(a) if a.normalize().scale() > 8 => Err(garde::Error::new("may have at most 8 decimal places")),
        _ => Ok(()),
    }
}

/// `amount` is read with a default (a missing one gets garde's "is required", like every other field), which
/// schemars takes for optional: the schema says what the rule does.
#[cfg(feature = "openapi")]
fn amount_is_required(schema: &mut schemars::Schema) {
    if let Some(amount) = schema.get_mut("properties").and_then(|p| p.get_mut("amount")).and_then(|a| a.as_object_mut())
    {
        amount.remove("default");
    }
    if let Some(required) = schema.get_mut("required").and_then(serde_json::Value::as_array_mut) {
        required.insert(0, "amount".into());
    }
}

/// `currency` as sent: trimmed and upper-cased before the rule, so any case of a currency, between spaces.
#[cfg(feature = "openapi")]
fn currency_pattern() -> String {
    let any_case = |code: &str| code.chars().map(|c| format!("[{}{}]", c, c.to_ascii_lowercase())).collect::<String>();
    let codes: Vec<String> = CURRENCIES.iter().map(|c| any_case(c)).collect();
    proxy_core::validation::trimmed_pattern(&format!("(?:{})", codes.join("|")))
}

/// `valid_amount` as a schema: above 0, at most `MAX_CREDIT`, at most 8 decimal places, as an integer or decimal
/// text (`validation::optional_money` reads either).
#[cfg(feature = "openapi")]
fn amount_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"anyOf": [
        {"type": "integer", "minimum": 1, "maximum": rust_decimal::prelude::ToPrimitive::to_i64(&MAX_CREDIT)},
        // 1..99999 or 0.x with at most 8 decimal places that are not 0, or 100000.
        {"type": "string", "maxLength": proxy_core::validation::MONEY_TEXT_MAX,
         "pattern": "^([1-9][0-9]{0,4}(\\.([0-9]{0,7}[1-9]0*|0+))?|0\\.[0-9]{0,7}[1-9]0*|100000(\\.0+)?)$"}
    ]})
}

impl CreditRequest {
    pub fn parse(body: &str) -> Result<CreditRequest, FieldErrors> {
        let mut request: CreditRequest = parse_json(body)?;
        request.reason = request.reason.map(|r| r.trim().to_owned());
        request.currency = request.currency.map(|c| c.trim().to_uppercase());
        proxy_core::validation::check(&request)?;
        Ok(request)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CreditError {
    #[error("no customer {0}")]
    CustomerNotFound(CustomerId),
    #[error("the credit is invalid")]
    Invalid(FieldErrors),
    /// The same idempotency key was used for an earlier credit.
    #[error("this credit was already applied")]
    AlreadyApplied,
    #[error(transparent)]
    Port(#[from] PortError),
}

/// Credits `request.amount` to the customer's wallet (opening it if needed), recorded as a deposit made by
/// `admin`. With an idempotency key, a retried credit is refused instead of paid twice.
pub async fn credit(
    ctx: &impl WalletEnv,
    admin: &str,
    customer: &CustomerId,
    request: CreditRequest,
    idempotency_key: Option<&str>,
) -> Result<WalletTransaction, CreditError> {
    let (Some(amount), Some(reason)) = (request.amount, request.reason) else {
        return Err(CreditError::Invalid(FieldErrors::new()));
    };
    if ctx.stores().customers.get(customer).await?.is_none() {
        return Err(CreditError::CustomerNotFound(customer.clone()));
    }
    let now = ctx.clock().now();
    let wanted_currency = request.currency.map(|c| c.trim().to_uppercase());
    let wallet = match ctx.stores().wallets.get(customer).await? {
        Some(wallet) => wallet,
        None => {
            let wallet = Wallet {
                customer_id: customer.clone(),
                balance: Decimal::ZERO,
                currency: wanted_currency.clone().unwrap_or_else(|| DEFAULT_CURRENCY.into()),
                updated_at: now,
            };
            match ctx.stores().wallets.open(&wallet).await {
                Ok(()) => wallet,
                // Opened concurrently by someone else: theirs stands.
                Err(PortError::Conflict { .. }) => ctx.stores().wallets.get(customer).await?.unwrap_or(wallet),
                Err(e) => return Err(e.into()),
            }
        }
    };
    if let Some(currency) = wanted_currency
        && currency != wallet.currency
    {
        let mut errors = FieldErrors::new();
        add_error(&mut errors, "currency", format!("must be the wallet's currency, {}", wallet.currency));
        return Err(CreditError::Invalid(errors));
    }
    let reference = match idempotency_key {
        Some(key) => format!("admin-credit:{customer}:{key}"),
        None => format!("admin-credit:{}", uuid::Uuid::new_v4()),
    };
    let mut transaction = new_wallet_transaction(customer, TransactionType::Deposit, amount, reference, reason, now);
    transaction.created_by = Some(admin.to_owned());
    match ctx.stores().wallets.apply(&transaction, now).await {
        Ok(()) => {}
        // The balance update (op 0) cannot fail for a positive amount on an existing wallet; the reference
        // guard can, when the key was used before.
        Err(PortError::Conflict { op_index: Some(i) }) if i > 0 => return Err(CreditError::AlreadyApplied),
        Err(e) => return Err(e.into()),
    }
    crate::cached::customer_changed(ctx, customer).await;
    tracing::info!(
        audit = true,
        admin,
        customer = %customer,
        transaction_id = %transaction.id,
        amount = %amount,
        reason = transaction.description,
        "wallet credited by admin"
    );
    publish(
        ctx,
        DomainEvent::WalletBalanceChanged {
            customer_id: customer.clone(),
            transaction_id: transaction.id.clone(),
            amount: transaction.amount,
            reason: transaction.description.clone(),
            timestamp: now,
        },
    )
    .await;
    platform::events::record_deposit(
        ctx,
        &proxy_core::domain::DepositFact {
            transaction_id: transaction.id.clone(),
            customer_id: customer.clone(),
            amount: transaction.amount,
            at: now,
            method: proxy_core::domain::PaymentMethod::Wallet,
        },
    )
    .await;
    Ok(transaction)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credit_rules() {
        let field_of = |body: &str| CreditRequest::parse(body).err().map(|e| e.into_keys().collect::<Vec<_>>());
        assert_eq!(field_of(r#"{"amount":"10.5","reason":"bank transfer 42"}"#), None);
        assert_eq!(field_of(r#"{"amount":"10.5","reason":"bank transfer 42"}"#), None);
        assert_eq!(field_of(r#"{"amount":10,"reason":"bank transfer 42"}"#), None);
        assert_eq!(field_of(r#"{"amount":10.5,"reason":"a binary fraction"}"#), Some(vec!["amount".into()]));
        assert_eq!(field_of(r#"{"reason":"bank transfer"}"#), Some(vec!["amount".into()]));
        assert_eq!(field_of(r#"{"amount":"0","reason":"bank transfer"}"#), Some(vec!["amount".into()]));
        assert_eq!(field_of(r#"{"amount":"-5","reason":"bank transfer"}"#), Some(vec!["amount".into()]));
        assert_eq!(field_of(r#"{"amount":"100000.01","reason":"bank transfer"}"#), Some(vec!["amount".into()]));
        assert_eq!(field_of(r#"{"amount":"0.000000001","reason":"x1234"}"#), Some(vec!["amount".into()]));
        assert_eq!(field_of(r#"{"amount":"ten","reason":"bank transfer"}"#), Some(vec!["amount".into()]));
        assert_eq!(field_of(r#"{"amount":"10","reason":"  "}"#), Some(vec!["reason".into()]));
        assert_eq!(field_of(r#"{"amount":"10"}"#), Some(vec!["reason".into()]));
        assert_eq!(field_of(r#"{"amount":"10","reason":"abc","currency":"x y"}"#), Some(vec!["currency".into()]));
        assert_eq!(field_of(r#"{"amount":"10","reason":"abc","currency":"eur"}"#), None);
        assert_eq!(field_of(r#"["10","abc"]"#), Some(vec!["body".into()]));
    }
}
