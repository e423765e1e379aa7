//! Monitoring: the health check of the store, the cache and the queues (`health`), which the system-health
//! endpoint answers (`endpoints`) and the 5-minute schedule caches and alerts on (`scheduled`).

pub mod endpoints;
pub mod health;
pub mod scheduled;
