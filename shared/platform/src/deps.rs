//! What a service may ask of whoever calls it: one small trait per dependency. A service names the ones it
//! uses in its signature (`ctx: &impl OrdersEnv`, where each context's env lists its dependencies), so it
//! receives those and nothing else, and it does not know the application that wires them: `AppContext`
//! implements every one of them at the top.

use proxy_core::clock::Clock;
use proxy_core::ports::{Cache, JobQueue, PanelClient, WorkerPool};
use store::Stores;

/// The injected time.
pub trait HasClock {
    fn clock(&self) -> &dyn Clock;
}

/// The repositories (the only way to the table).
pub trait HasStores {
    fn stores(&self) -> &Stores;
}

/// The job queues.
pub trait HasQueue {
    fn queue(&self) -> &dyn JobQueue;
}

/// The shared cache (Redis).
pub trait HasCache {
    fn cache(&self) -> &dyn Cache;
}

/// The servers' X-UI panels.
pub trait HasPanel {
    fn panel(&self) -> &dyn PanelClient;
}

/// The queue workers' concurrency limits.
pub trait HasWorkers {
    fn workers(&self) -> &dyn WorkerPool;
}

/// Every job type the queue worker runs, sorted: the types whose metrics the queue statistics read. (The
/// worker's registry knows them; it sits above the services, so it is asked through this.)
pub trait HasJobTypes {
    fn job_types(&self) -> Vec<&'static str>;
}

/// The alert e-mail channel: the mail service and who gets alerts (None: the channel is not configured here).
pub trait HasAlertMail {
    fn alert_mail(&self) -> Option<&AlertMail>;
}

/// The mail service, the admins' addresses alerts go to, and how often each may get one.
#[derive(Clone)]
pub struct AlertMail {
    pub mailer: std::sync::Arc<dyn proxy_core::ports::Mailer>,
    pub recipients: Vec<String>,
    /// An address gets at most one e-mail per window of this length (at most 15 minutes: SQS's longest delay).
    pub window: std::time::Duration,
}

/// The system's logs (None: this deployment cannot search them, e.g. a function that does not).
pub trait HasLogSource {
    fn log_source(&self) -> Option<&dyn proxy_core::ports::LogSource>;
}

/// What is running: the release and the function (for the dashboards' deploy information).
pub trait HasRelease {
    fn release(&self) -> &Release;
}

/// The build and the deployed function this process runs.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Release {
    /// The workspace's version.
    pub version: String,
    /// The function's name and published version as Lambda says (`AWS_LAMBDA_FUNCTION_NAME`, `..._VERSION`);
    /// None outside Lambda.
    pub function: Option<String>,
    pub function_version: Option<String>,
}

/// Which backend this is ("aws", "memory"), for reports.
pub trait HasBackendName {
    fn backend_name(&self) -> &'static str;
}

/// Declares a context's env: the dependencies its services use, as one bound, implemented for everything that
/// has them all.
#[macro_export]
macro_rules! env {
    ($(#[$doc:meta])* $name:ident: $first:path $(, $bound:path)* $(,)?) => {
        $(#[$doc])*
        pub trait $name: $first $(+ $bound)* {}
        impl<T: $first $(+ $bound)* + ?Sized> $name for T {}
    };
}
