//! Orders: validation of the customer's request, and placement — priced by the pricing engine
//! (`crate::services::pricing`) — in one conditional store transaction.

mod cancel;
mod place;
mod requests;
mod view;

pub use crate::services::pricing::{OrderLine, RequestLine, order_lines};
pub use cancel::{CancelError, CancelReason, Cancelled, cancel, cancel_unprovisioned};
pub use place::{PlaceError, Placed, place, place_as};
pub use requests::{CreateOrderRequest, ValidOrder};
pub use view::{OrderDetail, OrderPage, detail, list};

crate::deps::env!(
    /// What checkout and cancellation need: pricing's dependencies and the queues (provisioning jobs, events, facts).
    OrdersEnv: crate::services::pricing::PricingEnv, crate::deps::HasQueue
);
