//! `update_user_presence`: who is online, for the admins. A user is seen when a signature proves a connection
//! theirs (joining their private channel, or a presence channel as its member) and at every `pusher:ping` of an
//! identified connection — pusher-js pings after 120 s without traffic, so a user with an open tab is seen at
//! least every two minutes. Online: seen within 150 s; away: within 10 minutes; offline: not listed. One Redis
//! sorted set by last seen, trimmed on each write; never a scan of keys.

use api::{ApiError, ApiRequest, Identity};
use chrono::{DateTime, TimeZone, Utc};
use platform::deps::{HasCache, HasClock};
use serde::Serialize;
use std::time::Duration;

const KEY: &str = "realtime:last-seen";
/// Seen this recently: online (the client's ping interval and some slack).
pub const ONLINE_WITHIN_SECS: i64 = 150;
/// Seen this recently: away; longer ago: offline (and dropped from the set).
pub const AWAY_WITHIN_SECS: i64 = 600;
/// The most users the list answers with.
pub const MAX_LISTED: usize = 1000;

/// `user` was seen now. A cache that does not answer loses a sighting, never the frame that made it.
pub async fn seen(ctx: &(impl HasCache + HasClock), user: &str) {
    let now = ctx.clock().now().timestamp();
    let keep = Duration::from_secs(AWAY_WITHIN_SECS as u64);
    if let Err(error) = ctx.cache().sorted_put(KEY, user, now, keep).await {
        tracing::warn!(%error, "presence not recorded");
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Online,
    Away,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeenUser {
    pub user_id: String,
    pub status: Status,
    pub last_seen: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Presence {
    pub online: usize,
    pub away: usize,
    /// Most recently seen first.
    pub users: Vec<SeenUser>,
}

/// The users seen in the last 10 minutes, each online or away: one round trip.
pub async fn list(ctx: &(impl HasCache + HasClock)) -> Result<Presence, proxy_core::error::PortError> {
    let now = ctx.clock().now().timestamp();
    let seen = ctx.cache().sorted_since(KEY, now - AWAY_WITHIN_SECS, MAX_LISTED).await?;
    let users: Vec<SeenUser> = seen
        .into_iter()
        .map(|(user_id, at)| SeenUser {
            user_id,
            status: if now - at <= ONLINE_WITHIN_SECS { Status::Online } else { Status::Away },
            last_seen: Utc.timestamp_opt(at, 0).single().unwrap_or_default(),
        })
        .collect();
    let online = users.iter().filter(|u| u.status == Status::Online).count();
    Ok(Presence { online, away: users.len() - online, users })
}

/// `GET /admin/presence`: who is online and who is away.
pub async fn endpoint(
    ctx: &(impl HasCache + HasClock),
    _request: ApiRequest,
    _caller: Identity,
) -> Result<Presence, ApiError> {
    Ok(list(ctx).await?)
}
