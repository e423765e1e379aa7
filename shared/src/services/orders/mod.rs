//! Orders: validation of the customer's request, pricing (one seam, replaced by the pricing engine later),
//! and placement in one conditional store transaction.

mod cancel;
mod place;
mod pricing;
mod request;
mod view;

pub use cancel::{CancelError, Cancelled, cancel};
pub use place::{PlaceError, Placed, place, place_as};
pub use pricing::{PricedLine, Quote, quote};
pub use request::{CreateOrderRequest, OrderLine, ValidOrder};
pub use view::{ORDER_PAGE_KEYS, ORDER_PAGE_PARTITION, OrderDetail, OrderPage, detail, list, order_page_partition};
