//! The queue worker: runs a batch of delivered messages through the `JobRegistry` (each job type's handler
//! lives in the context that owns the job), once each — by a claim in `store::JobClaimStore`, or by the job's
//! own conditional write (`RunOnce`) — and says which failed, so that only those are delivered again. The
//! `queue-worker` function feeds it SQS's batches; the local server polls (`poll_once`).

mod batch;
mod poller;

pub use batch::{IncomingMessage, LEASE, MessageOutcome, process_batch};
pub use poller::{PollReport, poll_once};

platform::env!(
    /// What running jobs needs besides each handler's own: claims and failures in the store, the job metrics
    /// in the cache, the queues (to receive and delete, when polling), the cache of views (a failure shows in
    /// the queue overview).
    WorkerEnv: platform::deps::HasClock, platform::deps::HasStores, platform::deps::HasCache, platform::deps::HasQueue, cache::HasTieredCache
);
