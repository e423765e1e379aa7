//! The WebSocket API's three routes: `$connect` registers the connection with the identity its token carried,
//! `$default` answers the client's Pusher frames, `$disconnect` forgets it and tells presence channels who left.
//! A frame's answer is posted back to its connection through the management API (API Gateway sends a route's
//! return value nowhere a Pusher client reads).

use crate::channels::Channel;
use crate::delivery::{self, FanOut};
use crate::deps::RealtimeEnv;
use crate::presence;
use crate::protocol::{self, ClientFrame, ErrorCode, ServerFrame};
use crate::signature::socket_id_of;
use api::Identity;
use api::rate_limit::{self, RateLimit, Verdict};
use platform::jobs::dispatch_as;
use proxy_core::domain::{Connection, JobId, Priority, Subscriber};
use proxy_core::error::PortError;
use proxy_core::ports::PostError;
use serde_json::Value;

/// Client events a connection may send: Pusher's 10 per second.
pub const CLIENT_EVENTS: RateLimit = RateLimit { name: "client-events", max: 10, window_secs: 1 };

/// The job that greets a new connection (`pusher:connection_established`) once API Gateway has opened it.
pub const WELCOME_JOB: &str = "realtime.welcome";
/// The job that forgets a connection a fan-out found gone, and tells its presence channels.
pub const FORGET_JOB: &str = "realtime.forget";

#[derive(Debug, thiserror::Error)]
pub enum SocketError {
    #[error(transparent)]
    Backend(#[from] PortError),
    #[error("frame not posted: {0}")]
    Post(PostError),
}

impl From<PostError> for SocketError {
    fn from(error: PostError) -> Self {
        match error {
            PostError::Port(port) => SocketError::Backend(port),
            other => SocketError::Post(other),
        }
    }
}

/// The payload of `realtime.welcome` and `realtime.forget`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ConnectionJob {
    pub connection_id: String,
    /// For the greeting: the protocol version the client asked for, when it is not one this server speaks
    /// (None: it is); the greeting is then Pusher's error and the connection is closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused_protocol: Option<String>,
}

/// `$connect`: registers the connection and has it greeted once it is open (API Gateway opens it when this
/// returns; a post before that is refused as gone). A Pusher client connects without credentials — what it may
/// join is decided per channel, by the signatures of `POST /api/broadcasting/auth` — so `caller` is anonymous
/// unless the gateway verified a token on the way in.
/// `protocol` is the `protocol` query parameter the client connected with (pusher-js sends 7).
pub async fn connect(
    ctx: &impl RealtimeEnv,
    connection_id: &str,
    caller: &Identity,
    protocol: Option<&str>,
) -> Result<(), SocketError> {
    let connection = Connection {
        connection_id: connection_id.to_owned(),
        socket_id: socket_id_of(connection_id),
        subject: caller.subject.clone(),
        groups: caller.groups.clone(),
        connected_at: ctx.clock().now(),
    };
    ctx.stores().connections.register(&connection).await?;
    let supported = protocol.is_some_and(|p| p.parse() == Ok(crate::protocol::PROTOCOL_VERSION));
    let refused_protocol = (!supported).then(|| protocol.unwrap_or_default().to_owned());
    let job = ConnectionJob { connection_id: connection_id.to_owned(), refused_protocol };
    let id = JobId(format!("realtime:welcome:{connection_id}"));
    dispatch_as(ctx.queue(), ctx.clock(), id, WELCOME_JOB, &job, Priority::High).await?;
    Ok(())
}

/// `$disconnect` (and a connection found gone): forgets it, and tells each presence channel it was on that
/// its member left, when this was the member's last connection there. Who the member was is read before the
/// rows go; whether they are still there through another connection, after (one query each per presence
/// channel it was on).
pub async fn disconnect(ctx: &impl RealtimeEnv, connection_id: &str) -> Result<(), SocketError> {
    let store = &ctx.stores().connections;
    let mut departures = Vec::new();
    for channel in store.channels_of(connection_id).await? {
        if Channel::parse(&channel).is_ok_and(|c| c.is_presence()) {
            let members = store.subscribers(&channel).await?;
            if let Some(member) = members.into_iter().find(|m| m.connection_id == connection_id) {
                departures.push((channel, member));
            }
        }
    }
    store.forget(connection_id).await?;
    for (channel, member) in departures {
        announce_departure(ctx, &channel, &member).await?;
    }
    Ok(())
}

/// Has `connection_id` forgotten by a job (a `$disconnect` that failed, a post that found it gone), so that its
/// rows do not outlive it.
pub async fn forget_later(ctx: &impl RealtimeEnv, connection_id: &str) {
    let job = ConnectionJob { connection_id: connection_id.to_owned(), refused_protocol: None };
    let id = JobId(format!("realtime:forget:{connection_id}"));
    if let Err(error) = dispatch_as(ctx.queue(), ctx.clock(), id, FORGET_JOB, &job, Priority::High).await {
        tracing::error!(connection_id, %error, "a gone connection is not forgotten");
    }
}

/// `$default`: one frame from the client, answered on its connection.
pub async fn receive(ctx: &impl RealtimeEnv, connection_id: &str, text: &str) -> Result<(), SocketError> {
    let Some(connection) = ctx.stores().connections.get(connection_id).await? else {
        // Unknown: its registration has expired (the 2-hour limit) or was forgotten. Pusher's 4200 makes the
        // client reconnect at once and subscribe again.
        let frame = ServerFrame::Error {
            code: Some(ErrorCode::Reconnect),
            message: "This connection is no longer registered; reconnect.".into(),
        };
        post_to_self(ctx, connection_id, &frame).await?;
        ctx.connections().close(connection_id).await?;
        return Ok(());
    };
    let frame = match protocol::parse(text) {
        Ok(frame) => frame,
        Err(error) => return refuse(ctx, &connection, None, &error.to_string()).await,
    };
    match frame {
        ClientFrame::Ping => {
            if !connection.subject.is_empty() {
                crate::online::seen(ctx, &connection.subject).await;
            }
            post_to_self(ctx, connection_id, &ServerFrame::Pong).await
        }
        ClientFrame::Pong => Ok(()),
        ClientFrame::Subscribe { channel, auth, channel_data } => {
            subscribe(ctx, &connection, &channel, auth.as_deref(), channel_data.as_deref()).await
        }
        ClientFrame::Unsubscribe { channel } => unsubscribe(ctx, &connection, &channel).await,
        ClientFrame::ClientEvent { event, channel, data } => {
            client_event(ctx, &connection, &event, &channel, data).await
        }
    }
}

/// Refuses what the client asked with `pusher:error` (Pusher's code, when it has one for it).
async fn refuse(
    ctx: &impl RealtimeEnv,
    connection: &Connection,
    code: Option<ErrorCode>,
    message: &str,
) -> Result<(), SocketError> {
    post_to_self(ctx, &connection.connection_id, &ServerFrame::Error { code, message: message.to_owned() }).await
}

/// Posts an answer to the connection that asked; a connection gone meanwhile has nothing left to answer.
async fn post_to_self(ctx: &impl RealtimeEnv, connection_id: &str, frame: &ServerFrame) -> Result<(), SocketError> {
    match delivery::post(ctx.connections(), connection_id, &frame.to_text()).await {
        Ok(()) | Err(PostError::Gone) => Ok(()),
        Err(error) => Err(error.into()),
    }
}

async fn subscribe(
    ctx: &impl RealtimeEnv,
    connection: &Connection,
    name: &str,
    auth: Option<&str>,
    channel_data: Option<&str>,
) -> Result<(), SocketError> {
    let channel = match Channel::parse(name) {
        Ok(channel) => channel,
        Err(error) => return refuse(ctx, connection, None, &format!("{name}: {error}")).await,
    };
    let app = match ctx.channels_app().await {
        Ok(app) => app,
        Err(reason) => {
            tracing::error!(reason, "channel signatures cannot be checked");
            return refuse(ctx, connection, None, "Subscriptions are unavailable; try again later.").await;
        }
    };
    let signed = auth.is_some_and(|auth| {
        app.verify(auth, &connection.socket_id, name, channel.is_presence().then_some(channel_data).flatten())
    });
    // The signature says the auth endpoint let this socket in. A connection whose user is known (a signature named
    // it earlier) keeps that user: it may not join another customer's channel. (Its groups are not known: the
    // signature alone decides the admins' channels.)
    let anonymous = connection.subject.is_empty();
    let allowed = anonymous || !matches!(&channel, Channel::Customer(owner) if *owner != connection.subject);
    if !signed || !allowed {
        let message = format!("Subscription to {name} refused: not authorised.");
        return refuse(ctx, connection, Some(ErrorCode::Unauthorized), &message).await;
    }
    // A presence member is the user the signed channel_data names (the connection's own, when it has one).
    let (member, user_info) = if channel.is_presence() {
        match member_of(channel_data).filter(|(user, _)| anonymous || *user == connection.subject) {
            Some(member) => member,
            None => {
                let message = format!("{name}: channel_data must name this connection's user.");
                return refuse(ctx, connection, Some(ErrorCode::Unauthorized), &message).await;
            }
        }
    } else {
        (connection.subject.clone(), Value::Null)
    };
    let store = &ctx.stores().connections;
    // Read before the write: whether this connection was on the channel already (a repeated subscribe joins
    // nothing). The members it joins are read after it, so that two joining at once both see each other.
    let already_on = channel.is_presence()
        && store.subscribers(name).await?.iter().any(|s| s.connection_id == connection.connection_id);
    match store.subscribe(connection, &member, name, &user_info).await {
        Ok(()) => {}
        // The connection was forgotten meanwhile (it closed): nobody is left to answer.
        Err(PortError::Conflict { .. }) => return Ok(()),
        Err(error) => return Err(error.into()),
    }
    // The signature proved whose connection this is: a customer's private channel, or a presence member.
    let user = match &channel {
        Channel::Customer(customer) => Some(customer.clone()),
        _ if channel.is_presence() => Some(member.clone()),
        _ => None,
    };
    if let Some(user) = user.as_deref().filter(|_| anonymous) {
        store.identify(&connection.connection_id, user).await?;
    }
    if let Some(user) = user.as_deref().or((!anonymous).then_some(connection.subject.as_str())) {
        crate::online::seen(ctx, user).await;
    }
    if !channel.is_presence() {
        let frame = ServerFrame::SubscriptionSucceeded { channel: name.to_owned(), members: None };
        return post_to_self(ctx, &connection.connection_id, &frame).await;
    }
    let id = &connection.connection_id;
    let after = store.subscribers(name).await?;
    let on_support = channel == Channel::Support;
    let joiner_is_admin = user_info["role"] == "admin";
    let visible: Vec<_> = after
        .iter()
        .filter(|s| s.subject == member || presence::shown(on_support, presence::is_admin(s), joiner_is_admin))
        .cloned()
        .collect();
    let frame =
        ServerFrame::SubscriptionSucceeded { channel: name.to_owned(), members: Some(presence::members(&visible)) };
    post_to_self(ctx, id, &frame).await?;
    if !already_on && presence::joins_as_new_member(&after, &member, id) {
        let others = after
            .iter()
            .filter(|s| s.subject != member && presence::shown(on_support, joiner_is_admin, presence::is_admin(s)))
            .map(|s| s.connection_id.clone())
            .collect();
        let added = ServerFrame::MemberAdded { channel: name.to_owned(), user_id: member, user_info };
        let fan_out = delivery::post_all(ctx.connections(), others, &added.to_text()).await;
        forget_gone(ctx, &fan_out).await;
    }
    Ok(())
}

/// A presence member's user id and `user_info` from the signed `channel_data`.
fn member_of(channel_data: Option<&str>) -> Option<(String, Value)> {
    let data: Value = serde_json::from_str(channel_data?).ok()?;
    let user_id = match &data["user_id"] {
        Value::String(id) if !id.is_empty() => id.clone(),
        Value::Number(id) => id.to_string(),
        _ => return None,
    };
    Some((user_id, data["user_info"].clone()))
}

async fn unsubscribe(ctx: &impl RealtimeEnv, connection: &Connection, name: &str) -> Result<(), SocketError> {
    let channel = match Channel::parse(name) {
        Ok(channel) => channel,
        Err(error) => return refuse(ctx, connection, None, &format!("{name}: {error}")).await,
    };
    let store = &ctx.stores().connections;
    let id = &connection.connection_id;
    // Who this connection was on the channel, read before it leaves.
    let member = if channel.is_presence() {
        store.subscribers(name).await?.into_iter().find(|s| s.connection_id == *id)
    } else {
        None
    };
    store.unsubscribe(id, name).await?;
    if let Some(member) = member {
        announce_departure(ctx, name, &member).await?;
    }
    Ok(())
}

/// Tells a presence channel's members that `leaving`'s member left, unless another connection of theirs is still on it
/// (the channel read after the leaving connection's rows went).
async fn announce_departure(ctx: &impl RealtimeEnv, channel: &str, leaving: &Subscriber) -> Result<(), SocketError> {
    let remaining = ctx.stores().connections.subscribers(channel).await?;
    let member = &leaving.subject;
    if !presence::leaves_as_last_connection(&remaining, member) {
        return Ok(());
    }
    let on_support = Channel::parse(channel).is_ok_and(|c| c == Channel::Support);
    let removed = ServerFrame::MemberRemoved { channel: channel.to_owned(), user_id: member.to_owned() };
    let ids = remaining
        .into_iter()
        .filter(|s| presence::shown(on_support, presence::is_admin(leaving), presence::is_admin(s)))
        .map(|s| s.connection_id)
        .collect();
    let fan_out = delivery::post_all(ctx.connections(), ids, &removed.to_text()).await;
    forget_gone(ctx, &fan_out).await;
    Ok(())
}

async fn client_event(
    ctx: &impl RealtimeEnv,
    connection: &Connection,
    event: &str,
    name: &str,
    data: Value,
) -> Result<(), SocketError> {
    let Ok(channel) = Channel::parse(name) else {
        return refuse(ctx, connection, None, &format!("{name}: client events go to private and presence channels."))
            .await;
    };
    let now = ctx.clock().now();
    match rate_limit::check(ctx.cache(), now, &CLIENT_EVENTS, &connection.connection_id).await {
        Ok(Verdict::Limited { .. }) => {
            let message = format!("At most {} client events per second.", CLIENT_EVENTS.max);
            return refuse(ctx, connection, Some(ErrorCode::ClientEventRateLimited), &message).await;
        }
        Ok(Verdict::Allowed { .. }) => {}
        // The limit cannot be counted: the event is dropped rather than let through unlimited.
        Err(error) => {
            tracing::warn!(%error, "client event dropped: its rate limit cannot be counted");
            return refuse(ctx, connection, None, "Client events are unavailable; try again later.").await;
        }
    }
    let subscribers = ctx.stores().connections.subscribers(name).await?;
    let Some(sender) = subscribers.iter().find(|s| s.connection_id == connection.connection_id) else {
        let message = format!("{name}: subscribe before sending client events on it.");
        return refuse(ctx, connection, None, &message).await;
    };
    // The support channel is the admins' with their customers: a customer's typing goes through a chat's
    // channel, never to every customer on support.
    if channel == Channel::Support && sender.user_info["role"] != "admin" {
        let message = format!("{name}: only admins send client events here.");
        return refuse(ctx, connection, None, &message).await;
    }
    let user_id = channel.is_presence().then(|| sender.subject.clone());
    let frame = ServerFrame::Event { event: event.to_owned(), channel: name.to_owned(), data, user_id };
    // Never echoed to the sender.
    let others =
        subscribers.into_iter().map(|s| s.connection_id).filter(|id| *id != connection.connection_id).collect();
    let fan_out = delivery::post_all(ctx.connections(), others, &frame.to_text()).await;
    forget_gone(ctx, &fan_out).await;
    Ok(())
}

/// Has each connection a fan-out found gone forgotten (and its presence channels told), by a job: forgetting
/// it here could find more gone connections, and so on.
pub async fn forget_gone(ctx: &impl RealtimeEnv, fan_out: &FanOut) {
    for connection_id in &fan_out.gone {
        forget_later(ctx, connection_id).await;
    }
}
