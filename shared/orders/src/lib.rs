//! Orders: validation of the customer's request, and placement — priced by the pricing engine
//! (`pricing`) — in one conditional store transaction.

mod cached;
mod cancel;
pub mod endpoints;
pub mod jobs;
#[cfg(feature = "openapi")]
pub mod openapi;
mod place;
pub mod profile;
pub mod provisioning;
mod requests;
mod view;
pub mod wallet;

pub use cancel::{CancelError, CancelReason, Cancelled, cancel, cancel_unprovisioned};
pub use place::{PlaceError, Placed, place, place_as};
pub use pricing::{OrderLine, RequestLine, order_lines};
pub use requests::{AVAILABLE_PAYMENT_METHODS, CreateOrderRequest, PAYMENT_METHODS, ValidOrder};
pub use view::{OrderDetail, OrderPage, detail, list};

platform::env!(
    /// What checkout and cancellation need: pricing's dependencies and the queues (provisioning jobs, events, facts).
    OrdersEnv: pricing::PricingEnv, platform::deps::HasQueue
);
