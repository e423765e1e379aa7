//! What every bounded context builds on, below all of them:
//! - `deps`: the capability traits a service names to receive its dependencies, and `env!`, which declares a
//!   context's set of them;
//! - `jobs`: sending background jobs (`dispatch`) and how a job's work says it failed (`JobError`);
//! - `events`: domain events and analytics facts, sent once to their queues;
//! - `alerts`: operators' alerts, throttled, sent to the notifications queue.

pub mod alerts;
pub mod deps;
pub mod events;
pub mod jobs;
