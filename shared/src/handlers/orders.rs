//! The customer's orders: `POST /api/orders`, `GET /api/orders`, `GET /api/orders/{id}` and
//! `POST /api/orders/{id}/cancel`. The caller is always the customer named by the token's `sub`.

use crate::app::AppContext;
use crate::domain::{CustomerId, Order, OrderId, OrderItem};
use crate::http::request::{body_text, idempotency_key, path_param, query};
use crate::http::{ApiError, page, respond};
use crate::routes;
use crate::services::orders::{self, CancelError, CreateOrderRequest, PlaceError};
use crate::store::OrderStore;
use lambda_http::{Body, Request, Response};

/// What `POST /api/orders` answers: the order and its lines, and whether an earlier request with the same
/// idempotency key created them.
#[derive(serde::Serialize)]
pub struct PlacedView {
    pub order: Order,
    pub items: Vec<OrderItem>,
    pub replayed: bool,
}

pub async fn create(ctx: &AppContext, request: Request) -> Response<Body> {
    respond(ctx, request, &routes::ORDERS_CREATE, |request, identity| async move {
        let key = idempotency_key(&request)?;
        let order = CreateOrderRequest::parse(body_text(&request)?)
            .and_then(CreateOrderRequest::into_valid)
            .map_err(ApiError::validation)?;
        let customer = CustomerId(identity.subject);
        let placed = orders::place(ctx, &customer, order, key.as_deref()).await.map_err(place_error)?;
        Ok(PlacedView { order: placed.order, items: placed.items, replayed: placed.replayed })
    })
    .await
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
        PlaceError::UnknownCustomer(_) => ApiError::not_found("Customer"),
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
            let mut errors = crate::http::FieldErrors::new();
            let name =
                serde_json::to_value(method).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
            errors.insert(
                "payment_method".into(),
                vec![format!("{name} payments are not available yet; pay from the wallet")],
            );
            ApiError::validation(errors)
        }
        PlaceError::CurrencyMismatch { wallet, order } => {
            let mut errors = crate::http::FieldErrors::new();
            errors.insert("currency".into(), vec![format!("must be the wallet's currency, {wallet} (not {order})")]);
            ApiError::validation(errors)
        }
        PlaceError::Port(error) => error.into(),
    }
}

pub async fn list(ctx: &AppContext, request: Request) -> Response<Body> {
    respond(ctx, request, &routes::ORDERS_LIST, |request, identity| async move {
        let customer = CustomerId(identity.subject);
        let page = page::parse(&query(&request), &OrderStore::list_scope(&customer))?;
        Ok(orders::list(ctx, &customer, page.limit, page.after).await?)
    })
    .await
}

pub async fn get(ctx: &AppContext, request: Request) -> Response<Body> {
    respond(ctx, request, &routes::ORDERS_GET, |request, identity| async move {
        let id = OrderId(path_param(&request, "id")?);
        match orders::detail(ctx, &CustomerId(identity.subject), &id).await? {
            Some(detail) => Ok(detail),
            None => Err(ApiError::not_found("Order")),
        }
    })
    .await
}

pub async fn cancel(ctx: &AppContext, request: Request) -> Response<Body> {
    respond(ctx, request, &routes::ORDERS_CANCEL, |request, identity| async move {
        let id = OrderId(path_param(&request, "id")?);
        orders::cancel(ctx, &CustomerId(identity.subject), &id).await.map_err(|error| match error {
            CancelError::NotFound => ApiError::not_found("Order"),
            CancelError::NotCancellable(status) => ApiError::new(
                409,
                "not_cancellable",
                format!("An order that is {} can no longer be cancelled.", status.as_str()),
            )
            .with_field("order_status", status),
            CancelError::Port(error) => error.into(),
        })
    })
    .await
}
