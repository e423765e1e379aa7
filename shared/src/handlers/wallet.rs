//! `GET /api/wallet` (the caller's balance and transactions) and the admin
//! `POST /admin/customers/{id}/wallet/credit`.

use crate::app::AppContext;
use crate::domain::CustomerId;
use crate::http::request::{body_text, idempotency_key, path_param, query};
use crate::http::{ApiError, page, respond};
use crate::routes;
use crate::services::wallet::{self, CreditError, CreditRequest};
use crate::store::WalletStore;
use lambda_http::{Body, Request, Response};

pub async fn get(ctx: &AppContext, request: Request) -> Response<Body> {
    respond(ctx, request, &routes::WALLET_GET, |request, identity| async move {
        let customer = CustomerId(identity.subject);
        let page = page::parse(&query(&request), &WalletStore::transaction_list_scope(&customer))?;
        Ok(wallet::view(ctx, &customer, page.limit, page.after).await?)
    })
    .await
}

pub async fn credit(ctx: &AppContext, request: Request) -> Response<Body> {
    respond(ctx, request, &routes::WALLET_CREDIT, |request, identity| async move {
        let customer = CustomerId(path_param(&request, "id")?);
        let key = idempotency_key(&request)?;
        let credit = CreditRequest::parse(body_text(&request)?).map_err(ApiError::validation)?;
        wallet::credit(ctx, &identity.subject, &customer, credit, key.as_deref()).await.map_err(|error| match error {
            CreditError::CustomerNotFound(_) => ApiError::not_found("Customer"),
            CreditError::Invalid(errors) => ApiError::validation(errors),
            CreditError::AlreadyApplied => {
                ApiError::new(409, "already_applied", "A credit with this Idempotency-Key was already applied.")
            }
            CreditError::Port(error) => error.into(),
        })
    })
    .await
}
