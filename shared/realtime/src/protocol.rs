//! The Pusher Channels protocol, version 7: the frames a client sends and those the server answers. Every frame
//! is a JSON object `{event, channel?, data}`; the server writes its `data` as a JSON string (what `pusher-js`
//! expects, and decodes again), and reads a client's `data` as an object or a string.

use serde_json::{Value, json};

/// The protocol version spoken (`?protocol=7` in the client's URL).
pub const PROTOCOL_VERSION: u32 = 7;
/// Seconds of silence after which a client pings (told in `connection_established`): well inside API Gateway's
/// 10-minute idle timeout, so an idle socket is kept open by the client's own pings.
pub const ACTIVITY_TIMEOUT_SECS: u32 = 120;
/// The largest message API Gateway's WebSocket API carries; an event larger than this is refused when it is
/// published, not cut on the wire.
pub const MAX_MESSAGE_BYTES: usize = 128 * 1024;
/// The largest client event (Pusher's own limit): typing indicators, not payloads.
pub const MAX_CLIENT_EVENT_BYTES: usize = 10 * 1024;

/// Pusher's error codes the server uses (`pusher:error`'s `data.code`); 4000-4099 tell the client not to
/// reconnect as it is, 4100-4199 to back off, 4200-4299 to reconnect at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// The client speaks a protocol version this server does not.
    UnsupportedProtocol = 4007,
    /// The client did not say which version it speaks.
    NoProtocol = 4008,
    /// The connection's credentials were refused.
    Unauthorized = 4009,
    /// Come back later (the registry could not be written).
    OverCapacity = 4100,
    /// Reconnect now (the connection reached API Gateway's 2-hour limit, or its registration was lost).
    Reconnect = 4200,
    /// A client event refused for exceeding the connection's rate.
    ClientEventRateLimited = 4301,
}

/// What a client sent.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientFrame {
    Ping,
    Pong,
    Subscribe {
        channel: String,
        auth: Option<String>,
        channel_data: Option<String>,
    },
    Unsubscribe {
        channel: String,
    },
    /// `client-*` on a private or presence channel, for the channel's other members.
    ClientEvent {
        event: String,
        channel: String,
        data: Value,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    #[error("not a JSON object with an event")]
    NotAFrame,
    #[error("{0} needs {1}")]
    Missing(&'static str, &'static str),
    #[error("client events are at most {MAX_CLIENT_EVENT_BYTES} bytes")]
    TooLarge,
    #[error("{0} is not an event this server accepts")]
    Unsupported(String),
}

/// Reads one frame a client sent.
pub fn parse(text: &str) -> Result<ClientFrame, ProtocolError> {
    let frame: Value = serde_json::from_str(text).map_err(|_| ProtocolError::NotAFrame)?;
    let event = frame["event"].as_str().ok_or(ProtocolError::NotAFrame)?;
    // `data` arrives as an object, or as an object written as a string.
    let data = match &frame["data"] {
        Value::String(s) => serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.clone())),
        other => other.clone(),
    };
    let text_field = |name: &str| data[name].as_str().map(str::to_owned);
    match event {
        "pusher:ping" => Ok(ClientFrame::Ping),
        "pusher:pong" => Ok(ClientFrame::Pong),
        "pusher:subscribe" => Ok(ClientFrame::Subscribe {
            channel: text_field("channel").ok_or(ProtocolError::Missing("pusher:subscribe", "data.channel"))?,
            auth: text_field("auth").filter(|a| !a.is_empty()),
            channel_data: text_field("channel_data"),
        }),
        "pusher:unsubscribe" => Ok(ClientFrame::Unsubscribe {
            channel: text_field("channel").ok_or(ProtocolError::Missing("pusher:unsubscribe", "data.channel"))?,
        }),
        client if client.starts_with("client-") => {
            if text.len() > MAX_CLIENT_EVENT_BYTES {
                return Err(ProtocolError::TooLarge);
            }
            let channel = frame["channel"].as_str().ok_or(ProtocolError::Missing("a client event", "channel"))?;
            Ok(ClientFrame::ClientEvent { event: client.to_owned(), channel: channel.to_owned(), data })
        }
        other => Err(ProtocolError::Unsupported(other.to_owned())),
    }
}

/// What the server sends.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerFrame {
    ConnectionEstablished {
        socket_id: String,
    },
    Pong,
    Error {
        code: Option<ErrorCode>,
        message: String,
    },
    /// `members`: for a presence channel, every member's `(user_id, user_info)`.
    SubscriptionSucceeded {
        channel: String,
        members: Option<Vec<(String, Value)>>,
    },
    MemberAdded {
        channel: String,
        user_id: String,
        user_info: Value,
    },
    MemberRemoved {
        channel: String,
        user_id: String,
    },
    /// An application event (`OrderStatusChanged`), or a client event passed on (with its sender on a presence
    /// channel).
    Event {
        event: String,
        channel: String,
        data: Value,
        user_id: Option<String>,
    },
}

impl ServerFrame {
    /// The frame as sent on the socket.
    pub fn to_text(&self) -> String {
        let as_string = |data: Value| Value::String(data.to_string());
        let frame = match self {
            ServerFrame::ConnectionEstablished { socket_id } => json!({
                "event": "pusher:connection_established",
                "data": as_string(json!({"socket_id": socket_id, "activity_timeout": ACTIVITY_TIMEOUT_SECS})),
            }),
            ServerFrame::Pong => json!({"event": "pusher:pong", "data": "{}"}),
            ServerFrame::Error { code, message } => json!({
                "event": "pusher:error",
                "data": {"code": code.map(|c| c as u16), "message": message},
            }),
            ServerFrame::SubscriptionSucceeded { channel, members } => {
                let data = match members {
                    None => json!({}),
                    Some(members) => {
                        let ids: Vec<&String> = members.iter().map(|(id, _)| id).collect();
                        let hash: serde_json::Map<String, Value> =
                            members.iter().map(|(id, info)| (id.clone(), info.clone())).collect();
                        json!({"presence": {"ids": ids, "hash": hash, "count": members.len()}})
                    }
                };
                json!({"event": "pusher_internal:subscription_succeeded", "channel": channel, "data": as_string(data)})
            }
            ServerFrame::MemberAdded { channel, user_id, user_info } => json!({
                "event": "pusher_internal:member_added",
                "channel": channel,
                "data": as_string(json!({"user_id": user_id, "user_info": user_info})),
            }),
            ServerFrame::MemberRemoved { channel, user_id } => json!({
                "event": "pusher_internal:member_removed",
                "channel": channel,
                "data": as_string(json!({"user_id": user_id})),
            }),
            ServerFrame::Event { event, channel, data, user_id } => {
                let mut frame = json!({"event": event, "channel": channel, "data": as_string(data.clone())});
                if let Some(user) = user_id {
                    frame["user_id"] = Value::String(user.clone());
                }
                frame
            }
        };
        frame.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clients_frames_are_read_whether_data_is_an_object_or_a_string() {
        assert_eq!(parse(r#"{"event":"pusher:ping","data":{}}"#), Ok(ClientFrame::Ping));
        let subscribe = ClientFrame::Subscribe {
            channel: "presence-support".into(),
            auth: Some("k:00".into()),
            channel_data: Some(r#"{"user_id":"c-1"}"#.into()),
        };
        let object = r#"{"event":"pusher:subscribe","data":{"channel":"presence-support","auth":"k:00","channel_data":"{\"user_id\":\"c-1\"}"}}"#;
        assert_eq!(parse(object), Ok(subscribe.clone()));
        let string = r#"{"event":"pusher:subscribe","data":"{\"channel\":\"presence-support\",\"auth\":\"k:00\",\"channel_data\":\"{\\\"user_id\\\":\\\"c-1\\\"}\"}"}"#;
        assert_eq!(parse(string), Ok(subscribe));
        assert_eq!(
            parse(r#"{"event":"pusher:subscribe","data":{"channel":"private-admin","auth":""}}"#),
            Ok(ClientFrame::Subscribe { channel: "private-admin".into(), auth: None, channel_data: None })
        );
        assert_eq!(
            parse(r#"{"event":"client-typing","channel":"private-chat.k","data":{"typing":true}}"#),
            Ok(ClientFrame::ClientEvent {
                event: "client-typing".into(),
                channel: "private-chat.k".into(),
                data: json!({"typing": true})
            })
        );
    }

    #[test]
    fn what_is_not_a_frame_of_this_protocol_is_named() {
        assert_eq!(parse("not json"), Err(ProtocolError::NotAFrame));
        assert_eq!(parse(r#"{"data":{}}"#), Err(ProtocolError::NotAFrame));
        assert_eq!(
            parse(r#"{"event":"pusher:subscribe","data":{}}"#),
            Err(ProtocolError::Missing("pusher:subscribe", "data.channel"))
        );
        assert_eq!(
            parse(r#"{"event":"client-x","data":{}}"#),
            Err(ProtocolError::Missing("a client event", "channel"))
        );
        assert_eq!(
            parse(r#"{"event":"OrderStatusChanged","data":{}}"#),
            Err(ProtocolError::Unsupported("OrderStatusChanged".into()))
        );
        let big = format!(
            r#"{{"event":"client-x","channel":"private-admin","data":"{}"}}"#,
            "a".repeat(MAX_CLIENT_EVENT_BYTES)
        );
        assert_eq!(parse(&big), Err(ProtocolError::TooLarge));
    }

    /// As `pusher-js` reads them (`Protocol.decodeMessage`: `data` a JSON string, decoded once more).
    #[test]
    fn the_servers_frames_are_what_pusher_js_decodes() {
        let decode = |frame: &ServerFrame| -> (Value, Value) {
            let outer: Value = serde_json::from_str(&frame.to_text()).unwrap();
            let data = match &outer["data"] {
                Value::String(s) => serde_json::from_str(s).unwrap(),
                other => other.clone(),
            };
            (outer, data)
        };
        let (outer, data) = decode(&ServerFrame::ConnectionEstablished { socket_id: "1.2".into() });
        assert_eq!(outer["event"], "pusher:connection_established");
        assert_eq!(data, json!({"socket_id": "1.2", "activity_timeout": 120}));
        let members = vec![("c-1".to_owned(), json!({"name": "Ann"})), ("a-1".to_owned(), json!({"name": "Bo"}))];
        let (outer, data) =
            decode(&ServerFrame::SubscriptionSucceeded { channel: "presence-support".into(), members: Some(members) });
        assert_eq!(outer["channel"], "presence-support");
        assert_eq!(data["presence"]["count"], 2);
        assert_eq!(data["presence"]["ids"], json!(["c-1", "a-1"]));
        assert_eq!(data["presence"]["hash"]["c-1"]["name"], "Ann");
        let (_, data) = decode(&ServerFrame::SubscriptionSucceeded { channel: "private-admin".into(), members: None });
        assert_eq!(data, json!({}));
        let (outer, data) =
            decode(&ServerFrame::MemberRemoved { channel: "presence-support".into(), user_id: "c-1".into() });
        assert_eq!(
            (outer["event"].as_str(), data),
            (Some("pusher_internal:member_removed"), json!({"user_id": "c-1"}))
        );
        let (outer, data) = decode(&ServerFrame::Event {
            event: "client-typing".into(),
            channel: "presence-support".into(),
            data: json!({"typing": true}),
            user_id: Some("c-1".into()),
        });
        assert_eq!((outer["user_id"].as_str(), data), (Some("c-1"), json!({"typing": true})));
        let (outer, data) =
            decode(&ServerFrame::Error { code: Some(ErrorCode::ClientEventRateLimited), message: "slow down".into() });
        assert_eq!((outer["event"].as_str(), data["code"].as_u64()), (Some("pusher:error"), Some(4301)));
    }
}
