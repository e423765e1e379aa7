//! Orders: validation of the customer's request, pricing (one seam, replaced by the pricing engine later),
//! and placement in one conditional store transaction.

mod place;
mod pricing;
mod request;

pub use place::{PlaceError, Placed, place};
pub use pricing::{PricedLine, Quote, quote};
pub use request::{CreateOrderRequest, OrderLine, ValidOrder};
