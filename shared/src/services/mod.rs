//! Services: the business logic, over the ports only.

pub mod alerts;
pub mod events;
pub mod health;
pub mod inventory;
pub mod orders;
pub mod pricing;
pub mod profile;
pub mod provisioning;
pub mod queues;
pub mod wallet;
