//! The orders context's HTTP endpoints, each the body of one row of the route table (`api::routes`): the
//! customer's orders here, `profile` and `wallet` beside. Each reads its request, calls the service and says
//! what each of the service's errors means to the caller; the Lambda edge does the rest (identity, limits,
//! envelope).

pub mod profile;
pub mod wallet;

use crate::{CancelError, OrdersEnv, PlaceError};
use api::{ApiError, ApiRequest, FieldErrors, Identity, page};
use proxy_core::domain::{CustomerId, Order, OrderId, OrderItem};
use serde::Serialize;
use store::OrderStore;

/// What `POST /api/orders` answers: the order and its lines, and whether an earlier request with the same
/// idempotency key created them.
#[derive(Serialize)]
pub struct PlacedView {
    pub order: Order,
    pub items: Vec<OrderItem>,
    pub replayed: bool,
}

/// `POST /api/orders` (`ORDERS_CREATE`): the caller is always the customer named by the token's `sub`.
pub async fn create(ctx: &impl OrdersEnv, request: ApiRequest, caller: Identity) -> Result<PlacedView, ApiError> {
    let key = request.idempotency_key()?;
    let order = crate::CreateOrderRequest::parse(request.body_text()?)
        .and_then(crate::CreateOrderRequest::into_valid)
        .map_err(ApiError::validation)?;
    let customer = CustomerId(caller.subject);
    let placed = crate::place(ctx, &customer, order, key.as_deref()).await.map_err(place_error)?;
    Ok(PlacedView { order: placed.order, items: placed.items, replayed: placed.replayed })
}

fn place_error(error: PlaceError) -> ApiError {
    match error {
        PlaceError::Invalid(errors) => ApiError::validation(errors),
        PlaceError::ServerUnavailable(server) => {
            ApiError::new(400, "server_unavailable", "Server is not available").with_field("server_id", server)
        }
        PlaceError::NoCapacity(server) => {
            ApiError::new(409, "out_of_capacity", "The server has no free slots left for this order.")
                .with_field("server_id", server)
        }
        PlaceError::InsufficientFunds { required, balance } => {
            ApiError::new(400, "insufficient_funds", "Insufficient wallet balance")
                .with_field("required_amount", required)
                .with_field("current_balance", balance)
        }
        PlaceError::UnknownCustomer(_) => ApiError::profile_missing(),
        PlaceError::PriceChanged { quoted, current } => {
            let error = ApiError::new(
                409,
                "price_changed",
                "The price changed since it was quoted; ask for a new quote and confirm it.",
            )
            .with_field("expected_total", quoted);
            match current {
                Some(current) => error.with_field("current_total", current),
                None => error,
            }
        }
        // The IETF idempotency-key draft's answer to a key reused with a different payload.
        PlaceError::KeyReused => ApiError::new(
            422,
            "idempotency_key_reused",
            "This Idempotency-Key was already used for a different order; use a new key for a new order.",
        ),
        PlaceError::PaymentMethodUnavailable(method) => {
            let mut errors = FieldErrors::new();
            let name =
                serde_json::to_value(method).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
            errors.insert(
                "payment_method".into(),
                vec![format!("{name} payments are not available yet; pay from the wallet")],
            );
            ApiError::validation(errors)
        }
        PlaceError::CurrencyMismatch { wallet, order } => {
            let mut errors = FieldErrors::new();
            errors.insert("currency".into(), vec![format!("must be the wallet's currency, {wallet} (not {order})")]);
            ApiError::validation(errors)
        }
        PlaceError::Port(error) => error.into(),
    }
}

/// `GET /api/orders` (`ORDERS_LIST`): the caller's orders, a page at a time.
pub async fn list(ctx: &impl OrdersEnv, request: ApiRequest, caller: Identity) -> Result<crate::OrderPage, ApiError> {
    let customer = CustomerId(caller.subject);
    let page = page::parse(request.query(), &OrderStore::list_scope(&customer))?;
    Ok(crate::list(ctx, &customer, page.limit, page.after).await?)
}

/// `GET /api/orders/{id}` (`ORDERS_GET`): one of the caller's orders; anyone else's is not found.
pub async fn get(ctx: &impl OrdersEnv, request: ApiRequest, caller: Identity) -> Result<crate::OrderDetail, ApiError> {
    let id = OrderId(request.path_param("id")?);
    match crate::detail(ctx, &CustomerId(caller.subject), &id).await? {
        Some(detail) => Ok(detail),
        None => Err(ApiError::not_found("Order")),
    }
}

/// `POST /api/orders/{id}/cancel` (`ORDERS_CANCEL`).
pub async fn cancel(ctx: &impl OrdersEnv, request: ApiRequest, caller: Identity) -> Result<crate::Cancelled, ApiError> {
    let id = OrderId(request.path_param("id")?);
    crate::cancel(ctx, &CustomerId(caller.subject), &id).await.map_err(|error| match error {
        CancelError::NotFound => ApiError::not_found("Order"),
        CancelError::NotCancellable(status) => ApiError::new(
            409,
            "not_cancellable",
            format!("An order that is {} can no longer be cancelled.", status.as_str()),
        )
        .with_field("order_status", status),
        CancelError::Port(error) => error.into(),
    })
}
