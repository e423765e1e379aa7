//! `GET /api/wallet` (`WALLET_GET`: the caller's balance and transactions) and the admin's
//! `POST /admin/customers/{id}/wallet/credit` (`WALLET_CREDIT`).

use crate::wallet::{self, CreditError, CreditRequest, WalletEnv};
use api::{ApiError, ApiRequest, Identity, page};
use proxy_core::domain::CustomerId;
use serde::Serialize;
use store::WalletStore;

pub async fn get(ctx: &impl WalletEnv, request: ApiRequest, caller: Identity) -> Result<impl Serialize, ApiError> {
    let customer = CustomerId(caller.subject);
    let page = page::parse(request.query(), &WalletStore::transaction_list_scope(&customer))?;
    Ok(wallet::view(ctx, &customer, page.limit, page.after).await?)
}

pub async fn credit(ctx: &impl WalletEnv, request: ApiRequest, caller: Identity) -> Result<impl Serialize, ApiError> {
    let customer = CustomerId(request.path_param("id")?);
    let key = request.idempotency_key()?;
    let credit = CreditRequest::parse(request.body_text()?).map_err(ApiError::validation)?;
    wallet::credit(ctx, &caller.subject, &customer, credit, key.as_deref()).await.map_err(|error| match error {
        CreditError::CustomerNotFound(_) => ApiError::not_found("Customer"),
        CreditError::Invalid(errors) => ApiError::validation(errors),
        CreditError::AlreadyApplied => {
            ApiError::new(409, "already_applied", "A credit with this Idempotency-Key was already applied.")
        }
        CreditError::Port(error) => error.into(),
    })
}
