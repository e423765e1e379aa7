//! Services: the business logic, over the ports only.

pub mod alerts;
pub mod events;
pub mod health;
pub mod orders;
pub mod provisioning;
