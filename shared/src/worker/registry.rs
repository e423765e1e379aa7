use crate::app::AppContext;
use crate::domain::Job;
pub use crate::jobs::JobError;
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::Arc;

/// How a job is kept from taking effect twice when SQS delivers it again (it delivers at least once).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOnce {
    /// The worker claims the job before running it (a lease in the store) and marks it done after: for effects
    /// outside the store (a panel call) or spread over several writes. Two store writes besides the effect.
    Claimed,
    /// The job's effect is one conditional store write that does nothing the second time (keyed by the job or
    /// by what it is about): the worker runs it without a claim, so that write is the job's only one. A
    /// redelivery runs it again harmlessly and is reported `Done`.
    ByItsEffect,
}

#[async_trait]
pub trait JobHandler: Send + Sync {
    /// How redeliveries are kept from doing the work twice; claimed unless the handler says otherwise.
    fn run_once(&self) -> RunOnce {
        RunOnce::Claimed
    }

    /// Runs the job. `attempt` counts deliveries from 1; the queue gives up (dead-letters the message) after
    /// `MAX_RECEIVE_COUNT`, so a handler can tell its last chance.
    async fn handle(&self, ctx: &AppContext, job: &Job, attempt: u32) -> Result<(), JobError>;
}

/// Job type -> handler.
#[derive(Clone, Default)]
pub struct JobRegistry {
    handlers: HashMap<&'static str, Arc<dyn JobHandler>>,
}

impl JobRegistry {
    pub fn register(&mut self, job_type: &'static str, handler: impl JobHandler + 'static) -> &mut Self {
        self.handlers.insert(job_type, Arc::new(handler));
        self
    }

    pub fn get(&self, job_type: &str) -> Option<&Arc<dyn JobHandler>> {
        self.handlers.get(job_type)
    }

    pub fn job_types(&self) -> impl Iterator<Item = &&'static str> {
        self.handlers.keys()
    }

    /// Every job type the system runs.
    pub fn standard() -> Self {
        let mut registry = Self::default();
        super::jobs::register_all(&mut registry);
        registry
    }
}
