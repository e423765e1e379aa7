//! The real-time context: events, notifications, chat and presence delivered over API Gateway's WebSocket API
//! in the Pusher Channels protocol (version 7), so that the clients the frontends already use — `pusher-js`
//! and `laravel-echo` — connect unchanged.
//!
//! - `protocol`: the frames a client sends and the server answers, with Pusher's error codes;
//! - `channels`: the channels there are and who may join each;
//! - `signature`: socket ids and the channel authorisation signature (`POST /api/broadcasting/auth`);
//! - `presence`: a presence channel's members, one per user however many tabs they have open;
//! - `socket`: the WebSocket API's routes (`$connect`, `$default`, `$disconnect`);
//! - `delivery`: one frame posted to many connections, bounded, throttling backed off, the gone reported;
//! - `broadcast`: domain events and notifications on their channels;
//! - `jobs`: the greeting of a new connection, the forgetting of a gone one, the notifications queue's
//!   consumers;
//! - `endpoints`: the channel authorisation route;
//! - `notifications`: a customer's notifications sent, listed and marked read (`/api/notifications`);
//! - `online`: who is online or away, for the admins (`/admin/presence`);
//! - `chat`: live chat — conversations between a customer and support, their messages, unread counts,
//!   assignment, and their delivery (`/api/chats`, `/admin/chats`);
//! - `activity`: the customer's and the admins' activity feeds (`/api/activity`, `/admin/activity`).

pub mod activity;
pub mod broadcast;
pub mod channels;
pub mod chat;
pub mod delivery;
pub mod deps;
pub mod endpoints;
pub mod jobs;
pub mod notifications;
pub mod online;
pub mod presence;
pub mod protocol;
pub mod signature;
pub mod socket;
