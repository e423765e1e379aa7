//! The real-time context: events, notifications, chat and presence delivered over API Gateway's WebSocket API
//! in the Pusher Channels protocol (version 7), so that the clients the frontends already use — `pusher-js`
//! and `laravel-echo` — connect unchanged.
//!
//! - `protocol`: the frames a client sends and the server answers, with Pusher's error codes;
//! - `channels`: the channels there are and who may join each;
//! - `signature`: socket ids and the channel authorisation signature (`POST /api/broadcasting/auth`);
//! - `presence`: a presence channel's members, one per user however many tabs they have open.

pub mod channels;
pub mod presence;
pub mod protocol;
pub mod signature;
