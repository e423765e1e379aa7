//! The HTTP API's contract, as the contexts' endpoints see it, with no Lambda type in it:
//! - `routes`: the route/function table, the single source of truth for every function;
//! - `ApiRequest` (`request`): what an endpoint reads of a request, each part checked the same way everywhere;
//! - `Identity` and `Role` (`identity`): who is calling, from the verified token's claims;
//! - `ApiError` (`error`): the one error envelope, and the success envelope;
//! - `openapi`: the OpenAPI document of the routes, with each operation's input as its context documents it;
//! - `page`: list paging (limit, cursor within the caller's own partition);
//! - `rate_limit`: per-caller fixed windows counted in the cache;
//! - `schedule`: schedule expressions and the payload a scheduled invocation arrives with;
//! - `reply`: what a successful endpoint answers with: a value for the envelope, or a file (`Download`).
//!
//! An endpoint is `async fn(ctx: &impl SomeEnv, request: ApiRequest, caller: Identity) -> Result<T, ApiError>`
//! in its context's crate; the Lambda edge (`shared::http`) authorises the caller, counts the rate limits,
//! runs it and writes the envelope.

pub mod error;
pub mod identity;
pub mod openapi;
pub mod page;
pub mod rate_limit;
pub mod reply;
pub mod request;
pub mod routes;
pub mod schedule;

pub use error::{ApiError, FieldErrors, success_body};
pub use identity::{Identity, Role, parse_array_claim};
pub use reply::{Download, Html, Reply, Respond, Verbatim};
pub use request::ApiRequest;
pub use routes::{FUNCTIONS, FunctionSpec, Trigger};
