//! Monitoring: the health check of the store, the cache and the queues (`health`), which the system-health
//! endpoint answers and the 5-minute schedule caches and alerts on.

pub mod health;
