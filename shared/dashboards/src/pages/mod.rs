//! The operators' dashboards as pages: server-rendered HTML (maud, escaping by default) over the same calls
//! the JSON endpoints make, loaded into one shell (`shell`, `GET /admin/ui`) that signs the reader in and sends
//! the token with every call. A page route (`GET /admin/pages/<page>`) answers its panels as an HTML fragment
//! behind the same authorizer and roles as the JSON; charts are inline SVG with a data table beneath (`charts`).
//! No page loads anything from elsewhere, and there is no build step: the script and style are compiled in.

pub mod analytics;
pub mod charts;
pub mod chats;
pub mod inventory;
pub mod kit;
pub mod pricing;
pub mod queues;
pub mod shell;
pub mod system;
