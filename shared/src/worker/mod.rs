//! Background jobs: `dispatch` sends them, the `queue-worker` function runs them through the `JobRegistry`,
//! once each (by a claim in `crate::store::JobClaimStore`, or by the job's own conditional write: `RunOnce`),
//! reporting only the failed messages of a batch.

mod batch;
mod jobs;
mod poller;
mod registry;

pub use crate::jobs::{dispatch, dispatch_as};
pub use batch::{IncomingMessage, MessageOutcome, process_batch};
pub use poller::{PollReport, poll_once};
pub use registry::{JobError, JobHandler, JobRegistry, RunOnce};
