//! What the real-time context asks of whoever runs it, besides the platform's capabilities: the WebSocket API's
//! connections (to post frames to) and the Pusher app's credentials (to sign and check channel signatures).

use crate::signature::AppCredentials;
use proxy_core::ports::ConnectionPoster;

/// The WebSocket API's management endpoint (API Gateway's, or the local gateway's in process).
pub trait HasConnections {
    fn connections(&self) -> &dyn ConnectionPoster;
}

/// The Pusher app's key and secret (the secret is read from Secrets Manager on first use in AWS).
#[async_trait::async_trait]
pub trait HasChannelsApp {
    /// The credentials, or why there are none here (not configured, or the secret could not be read).
    async fn channels_app(&self) -> Result<AppCredentials, String>;
}

platform::env!(
    /// What the real-time services need: time, the registry and the feeds, the queue (for the jobs that post
    /// after `$connect` and deliver events), the cache (client events' rate limit), the connections and the
    /// app's credentials.
    RealtimeEnv: platform::deps::HasClock,
    platform::deps::HasStores,
    platform::deps::HasQueue,
    platform::deps::HasCache,
    HasConnections,
    HasChannelsApp,
);
