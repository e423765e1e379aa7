//! What every bounded context builds on, below all of them:
//! - `deps`: the capability traits a service names to receive its dependencies, and `env!`, which declares a
//!   context's set of them;
//! - `jobs`: sending background jobs (`dispatch`), and the handlers and registry that run them;
//! - `events`: domain events and analytics facts, sent once to their queues, and the jobs that record them;
//! - `alerts`: operators' alerts with their lifecycle, and the job that hands each change to the channels;
//!   `alert_mail`: their e-mail channel (per-address windows and digests);
//! - `notifications`: inboxes of notifications (the admins' dashboard, customers'), read per reader;
//! - `request_metrics`: the HTTP functions' request counts, errors and latency histograms, per minute and hour;
//!   `panel_metrics`: provisioning's panel calls and outcomes per server and hour;
//! - `telemetry`: CloudWatch embedded metrics; `counters`: the cache's counters read as rows.

pub mod alert_mail;
pub mod alerts;
pub mod counters;
pub mod deps;
pub mod events;
pub mod jobs;
pub mod notifications;
pub mod panel_metrics;
pub mod request_metrics;
pub mod telemetry;
