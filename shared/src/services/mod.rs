//! Services: the business logic, over the ports only.

pub mod alerts;
pub mod health;
pub mod orders;
