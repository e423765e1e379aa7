//! The real-time context's jobs: the greeting a new connection gets once it is open, the forgetting of one
//! found gone, and the notifications queue's consumers — a domain event recorded in its feed and pushed on its
//! channel, a notification stored in its inbox and pushed to its owner.

use crate::broadcast::{self, BroadcastError};
use crate::chat::delivery::{self as chat_delivery, CHAT_JOB, ChatDelivery};
use crate::deps::RealtimeEnv;
use crate::protocol::{ErrorCode, PROTOCOL_VERSION, ServerFrame};
use crate::socket::{self, ConnectionJob, FORGET_JOB, SocketError, WELCOME_JOB};
use platform::events::EVENT_JOB;
use platform::jobs::{JobError, JobHandler, JobRegistry, RunOnce, payload};
use platform::notifications::{Delivery, NOTIFY_JOB};
use proxy_core::domain::{DomainEvent, Job};
use proxy_core::error::{Backend, PortError};
use proxy_core::ports::PostError;
use std::time::Duration;

/// How long a greeting waits for API Gateway to open the connection (a post before it is open is refused as
/// gone): tries at 0, 50, 150, 350, 750 ms and 1.55, 3.15 s, then the connection is taken for gone.
const WELCOME_TRIES: u32 = 7;

pub fn register<C: RealtimeEnv + Sync + 'static>(registry: &mut JobRegistry<C>) {
    registry.register(WELCOME_JOB, Welcome);
    registry.register(FORGET_JOB, Forget);
    registry.register(EVENT_JOB, PublishEvent);
    registry.register(NOTIFY_JOB, DeliverNotification);
    registry.register(CHAT_JOB, DeliverChat);
}

fn job_error(error: SocketError) -> JobError {
    match error {
        SocketError::Backend(port) => JobError::Backend(port),
        other => JobError::Backend(PortError::unavailable(Backend::Connections, other)),
    }
}

fn broadcast_error(error: BroadcastError) -> JobError {
    match error {
        too_large @ BroadcastError::TooLarge { .. } => JobError::InvalidPayload(too_large.to_string()),
        BroadcastError::Backend(port) => JobError::Backend(port),
    }
}

/// What was recorded cannot be pushed (over the frame limit): said loudly, not retried — it would be refused again.
fn pushed_none(error: BroadcastError) -> Result<(), JobError> {
    match error {
        BroadcastError::TooLarge { .. } => {
            tracing::error!(%error, "recorded but not pushed");
            Ok(())
        }
        other => Err(broadcast_error(other)),
    }
}

/// Delivery is at least once: a post that failed (throttled after its retries, the API down) fails the job, so
/// that the queue runs it again — its connections that got the frame get it twice, under the same id.
fn every_post_made(fan_out: &crate::delivery::FanOut) -> Result<(), JobError> {
    if fan_out.failed == 0 {
        return Ok(());
    }
    let detail = format!("{} of {} posts failed", fan_out.failed, fan_out.failed + fan_out.delivered);
    Err(JobError::Backend(PortError::unavailable(Backend::Connections, detail)))
}

/// `realtime.welcome`: `pusher:connection_established` with the socket id, once the connection is open.
struct Welcome;

#[async_trait::async_trait]
impl<C: RealtimeEnv + Sync> JobHandler<C> for Welcome {
    /// Greeting twice is harmless (pusher-js takes the second as the same socket id).
    fn run_once(&self) -> RunOnce {
        RunOnce::ByItsEffect
    }

    async fn handle(&self, ctx: &C, job: &Job, _attempt: u32) -> Result<(), JobError> {
        let ConnectionJob { connection_id, refused_protocol } = payload(job)?;
        let Some(connection) = ctx.stores().connections.get(&connection_id).await? else {
            return Ok(()); // it closed before it was greeted
        };
        // Pusher's answer to a protocol it does not speak: 4008 without one, 4007 for another; then it closes.
        let frame = match &refused_protocol {
            None => ServerFrame::ConnectionEstablished { socket_id: connection.socket_id.clone() },
            Some(asked) => ServerFrame::Error {
                code: Some(if asked.is_empty() { ErrorCode::NoProtocol } else { ErrorCode::UnsupportedProtocol }),
                message: format!("This server speaks the Pusher protocol version {PROTOCOL_VERSION}."),
            },
        }
        .to_text();
        for attempt in 0..WELCOME_TRIES {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(50 << (attempt - 1))).await;
            }
            match crate::delivery::post(ctx.connections(), &connection_id, &frame).await {
                Ok(()) if refused_protocol.is_some() => {
                    return ctx.connections().close(&connection_id).await.map_err(|e| job_error(e.into()));
                }
                Ok(()) => return Ok(()),
                Err(PostError::Gone) => continue,
                Err(PostError::Port(error)) => return Err(JobError::Backend(error)),
                Err(throttled) => return Err(job_error(throttled.into())),
            }
        }
        tracing::info!(connection_id, "connection never opened; forgotten");
        socket::disconnect(ctx, &connection_id).await.map_err(job_error)
    }
}

/// `realtime.forget`: a connection a post found gone is forgotten, and its presence channels told.
struct Forget;

#[async_trait::async_trait]
impl<C: RealtimeEnv + Sync> JobHandler<C> for Forget {
    /// Forgetting is idempotent: a second run finds nothing left.
    fn run_once(&self) -> RunOnce {
        RunOnce::ByItsEffect
    }

    async fn handle(&self, ctx: &C, job: &Job, _attempt: u32) -> Result<(), JobError> {
        let ConnectionJob { connection_id, .. } = payload(job)?;
        socket::disconnect(ctx, &connection_id).await.map_err(job_error)
    }
}

/// `event.publish`: the event recorded in its feed (once, under the job id), then pushed on its channel under
/// the same id. A retry records nothing new and pushes again: clients drop an id they have seen.
struct PublishEvent;

#[async_trait::async_trait]
impl<C: RealtimeEnv + Sync> JobHandler<C> for PublishEvent {
    fn run_once(&self) -> RunOnce {
        RunOnce::ByItsEffect
    }

    async fn handle(&self, ctx: &C, job: &Job, _attempt: u32) -> Result<(), JobError> {
        let event: DomainEvent = payload(job)?;
        platform::events::record(ctx, job.id.as_str(), &event).await?;
        let (channel, frame) = match broadcast::event_frame(job.id.as_str(), &event) {
            Ok(framed) => framed,
            // Recorded, but too large to push: the feed has it.
            Err(error) => return pushed_none(error),
        };
        let fan_out = broadcast::to_channel(ctx, &channel, &frame).await.map_err(broadcast_error)?;
        tracing::info!(
            event = event.name(),
            channel = channel.name(),
            delivered = fan_out.delivered,
            gone = fan_out.gone.len(),
            failed = fan_out.failed,
            "event published"
        );
        every_post_made(&fan_out)
    }
}

/// `notification.deliver`: the notification stored in its inbox (once, under its id), then pushed to the
/// inbox's owner.
struct DeliverNotification;

#[async_trait::async_trait]
impl<C: RealtimeEnv + Sync> JobHandler<C> for DeliverNotification {
    fn run_once(&self) -> RunOnce {
        RunOnce::ByItsEffect
    }

    async fn handle(&self, ctx: &C, job: &Job, _attempt: u32) -> Result<(), JobError> {
        let Delivery { inbox, notification } = payload(job)?;
        platform::notifications::store(ctx, &inbox, &notification).await?;
        let (channel, frame) = match broadcast::notification_frame(&inbox, &notification) {
            Ok(framed) => framed,
            // Stored, but too large to push: the inbox has it.
            Err(error) => return pushed_none(error),
        };
        let fan_out = broadcast::to_channel(ctx, &channel, &frame).await.map_err(broadcast_error)?;
        tracing::info!(
            inbox = inbox.name(),
            notification_id = %notification.id,
            delivered = fan_out.delivered,
            "notification delivered"
        );
        every_post_made(&fan_out)
    }
}

/// `chat.deliver`: a conversation's message (or closing, or assignment) on its channel and its new state to both
/// sides. The conversation's store already has it; a retry pushes again under the same ids.
struct DeliverChat;

#[async_trait::async_trait]
impl<C: RealtimeEnv + Sync> JobHandler<C> for DeliverChat {
    fn run_once(&self) -> RunOnce {
        RunOnce::ByItsEffect
    }

    async fn handle(&self, ctx: &C, job: &Job, _attempt: u32) -> Result<(), JobError> {
        let delivery: ChatDelivery = payload(job)?;
        let fan_outs = match chat_delivery::deliver(ctx, &delivery).await {
            Ok(fan_outs) => fan_outs,
            Err(error) => return pushed_none(error),
        };
        let mut total = crate::delivery::FanOut::default();
        for fan_out in fan_outs {
            total.delivered += fan_out.delivered;
            total.failed += fan_out.failed;
            total.gone.extend(fan_out.gone);
        }
        tracing::info!(job_id = %job.id, delivered = total.delivered, failed = total.failed, "chat delivered");
        every_post_made(&total)
    }
}
