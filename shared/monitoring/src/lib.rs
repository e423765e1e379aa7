//! Monitoring: the health check of the store, the cache and the queues (`health`), which the system-health
//! endpoint answers (`endpoints`) and the 5-minute schedule caches and alerts on (`scheduled`); the operators'
//! list of alerts and their acknowledgement (`alerts`).

pub mod alerts;
pub mod checks;
pub mod endpoints;
pub mod health;
pub mod scheduled;
