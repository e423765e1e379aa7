//! Monitoring: the health check — probes of the dependencies (`health`) and the data checks (`checks`) —
//! which the system-health endpoint answers (`endpoints`) and the 5-minute schedule caches and alerts on
//! (`scheduled`); the operators' list of alerts and their acknowledgement (`alerts`); the dashboard's
//! notifications, the admins' inbox (`notifications`).

pub mod alerts;
pub mod checks;
pub mod cleanup;
pub mod endpoints;
pub mod health;
pub mod logs;
pub mod notifications;
pub mod redact;
pub mod scheduled;
