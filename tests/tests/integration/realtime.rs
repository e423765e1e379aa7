//! The real-time WebSocket API end to end on both backends: a Rust WebSocket client (tokio-tungstenite) on the
//! local gateway, which runs the same `$connect` / `$default` / `$disconnect` handlers as API Gateway and answers
//! the management API in process, with the queue worker running the greeting, delivery and forget jobs. The
//! Pusher protocol as pusher-js speaks it: the greeting, ping, channel authorisation and subscription, presence
//! with two tabs, client events, domain events from the notifications queue, and the failure paths — another
//! customer's channel, a forged signature, a gone connection, a 2-hour-old registration, oversized frames.

use futures_util::{SinkExt, StreamExt};
use integration_tests::TestApp;
use integration_tests::api::{Call, Caller};
use serde_json::{Value, json};
use shared::app::{AppContext, LOCAL_CHANNELS_APP_KEY};
use shared::domain::{Connection, CustomerId, DomainEvent, OrderId, OrderStatus, Priority};
use shared::ports::QueueRef;
use shared::routes;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

integration_tests::on_both_backends!(
    a_client_is_greeted_answers_pings_and_joins_only_its_own_channels,
    domain_events_reach_every_connection_of_their_customer_only,
    presence_members_are_users_and_a_second_tab_joins_and_leaves_silently,
    client_events_reach_the_others_only_and_are_rate_limited,
    a_gone_connection_is_forgotten_and_the_live_ones_still_receive,
    a_registration_past_two_hours_is_told_to_reconnect,
    oversized_and_malformed_frames_are_refused_without_harm,
    admins_see_who_is_online_then_away_then_gone,
    a_push_that_fails_fails_its_job_after_the_event_is_recorded,
    chat_messages_and_typing_reach_the_conversations_participants_only,
);

/// How long a test waits for a frame: the greeting and deliveries go through the queue worker.
const WAIT: Duration = Duration::from_secs(20);

/// The local WebSocket API over `app`, with the queue workers that greet, deliver and forget running.
async fn gateway(app: &TestApp) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let ctx: Arc<AppContext> = Arc::new(app.ctx.clone());
    let secret = Arc::new("unused-by-websocket".to_owned());
    tokio::spawn(local_server::serve_http(listener, ctx.clone(), secret, app.connections.clone()));
    let registry = Arc::new(shared::worker::standard_registry());
    for queue in [Priority::High, Priority::Notifications] {
        let worker = local_server::background::run_worker(ctx.clone(), registry.clone(), "test", QueueRef::Main(queue));
        tokio::spawn(worker);
    }
    addr
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

struct Client {
    socket: Socket,
    socket_id: String,
}

/// A frame as pusher-js reads it: `data` decoded when it is a JSON string.
fn decode(text: &str) -> Value {
    let mut frame: Value = serde_json::from_str(text).expect("a JSON frame");
    if let Some(data) = frame["data"].as_str().and_then(|d| serde_json::from_str::<Value>(d).ok()) {
        frame["data"] = data;
    }
    frame
}

impl Client {
    /// Connects where pusher-js does and waits for `pusher:connection_established`.
    async fn connect(addr: SocketAddr) -> Client {
        let url = format!("ws://{addr}/app/{LOCAL_CHANNELS_APP_KEY}?protocol=7&client=js&version=8.4.0&flash=false");
        let (socket, _) = tokio_tungstenite::connect_async(url).await.expect("the upgrade is accepted");
        let mut client = Client { socket, socket_id: String::new() };
        let hello = client.next().await.expect("a greeting");
        assert_eq!(hello["event"], "pusher:connection_established", "{hello}");
        assert_eq!(hello["data"]["activity_timeout"], 120);
        client.socket_id = hello["data"]["socket_id"].as_str().unwrap().to_owned();
        assert!(shared::services::realtime::signature::is_socket_id(&client.socket_id), "{}", client.socket_id);
        client
    }

    /// The next text frame, or None when the connection closed (or nothing came within `WAIT`).
    async fn next(&mut self) -> Option<Value> {
        self.next_within(WAIT).await
    }

    async fn next_within(&mut self, wait: Duration) -> Option<Value> {
        loop {
            match tokio::time::timeout(wait, self.socket.next()).await {
                Ok(Some(Ok(Message::Text(text)))) => return Some(decode(&text)),
                Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Ok(Some(Err(_))) | Err(_) => return None,
                Ok(Some(Ok(_))) => continue,
            }
        }
    }

    /// Waits for the next frame of `event`, skipping others (e.g. presence notices).
    async fn expect(&mut self, event: &str) -> Value {
        loop {
            let frame = self.next().await.unwrap_or_else(|| panic!("no {event} frame"));
            if frame["event"] == event {
                return frame;
            }
        }
    }

    /// Asserts that nothing arrives for a while.
    async fn expect_silence(&mut self, what: &str) {
        if let Some(frame) = self.next_within(Duration::from_millis(700)).await {
            panic!("{what}: unexpected {frame}");
        }
    }

    async fn send(&mut self, frame: Value) {
        self.socket.send(Message::text(frame.to_string())).await.expect("sent");
    }

    /// Asks the auth endpoint as `caller`, then subscribes with what it answered.
    async fn join(&mut self, app: &TestApp, caller: &Caller, channel: &str) -> Value {
        let auth = authorize(app, caller, &self.socket_id, channel).await;
        assert_eq!(auth.0, 200, "{channel}: {}", auth.1);
        self.send(json!({"event": "pusher:subscribe", "data": {
            "channel": channel, "auth": auth.1["auth"], "channel_data": auth.1["channel_data"],
        }}))
        .await;
        let joined = self.expect("pusher_internal:subscription_succeeded").await;
        assert_eq!(joined["channel"], channel);
        joined
    }
}

/// `POST /api/broadcasting/auth` as pusher-js sends it (a form); (status, body).
async fn authorize(app: &TestApp, caller: &Caller, socket_id: &str, channel: &str) -> (u16, Value) {
    let reply = Call::to(&routes::BROADCASTING_AUTH, &[])
        .by(caller)
        .raw_body(&format!("socket_id={socket_id}&channel_name={channel}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .send(app)
        .await;
    (reply.status, reply.body)
}

fn order_changed(app: &TestApp, customer: &str) -> DomainEvent {
    DomainEvent::OrderStatusChanged {
        order_id: OrderId(uuid::Uuid::new_v4().to_string()),
        customer_id: CustomerId(customer.to_owned()),
        old_status: Some(OrderStatus::Processing),
        new_status: OrderStatus::Completed,
        timestamp: app.ctx.clock.now(),
    }
}

async fn a_client_is_greeted_answers_pings_and_joins_only_its_own_channels(app: TestApp) {
    let addr = gateway(&app).await;
    let ann = Caller::customer(&"ann");
    let mut client = Client::connect(addr).await;
    client.send(json!({"event": "pusher:ping", "data": {}})).await;
    assert_eq!(client.expect("pusher:pong").await["event"], "pusher:pong");

    let joined = client.join(&app, &ann, "private-customer.ann").await;
    assert_eq!(joined["data"], json!({}), "a private channel has no members");
    // Another customer's channel: the endpoint refuses to sign it.
    let (status, body) = authorize(&app, &ann, &client.socket_id, "private-customer.bo").await;
    assert_eq!((status, body["success"].as_bool()), (403, Some(false)), "{body}");
    for admins in ["private-admin", "presence-admins"] {
        assert_eq!(authorize(&app, &ann, &client.socket_id, admins).await.0, 403, "{admins}");
    }
    // Bad input is a 422 per field; an admin may join the admins' channel.
    let (status, body) = authorize(&app, &ann, "12;3", "private-customer.ann").await;
    assert_eq!((status, body["errors"]["socket_id"].is_array()), (422, true), "{body}");
    let (status, body) = authorize(&app, &ann, &client.socket_id, "orders").await;
    assert_eq!((status, body["errors"]["channel_name"].is_array()), (422, true), "{body}");
    let (status, body) = authorize(&app, &Caller::Admin("ops".into()), &client.socket_id, "private-admin").await;
    assert_eq!(status, 200, "{body}");
    // An admin's connection, named by the presence channel it joined first, still joins the admins' channels.
    let admin = Caller::Admin("ops".into());
    let mut console = Client::connect(addr).await;
    console.join(&app, &admin, "presence-admins").await;
    console.join(&app, &admin, "private-admin").await;
    console.join(&app, &admin, "presence-support").await;
    // A customer's connection, named by their channel, cannot join another customer's even with its signature.
    let bos = authorize(&app, &Caller::customer(&"bo"), &client.socket_id, "private-customer.bo").await.1;
    client
        .send(json!({"event": "pusher:subscribe", "data": {"channel": "private-customer.bo", "auth": bos["auth"]}}))
        .await;
    assert_eq!(client.expect("pusher:error").await["data"]["code"], 4009);
    // Subscribing with a signature of another channel, or of another socket, or none: Pusher's 4009.
    let own = authorize(&app, &ann, &client.socket_id, "private-customer.ann").await.1;
    for (channel, auth) in [
        ("private-customer.bo", own["auth"].clone()),
        ("private-customer.ann", json!(format!("{LOCAL_CHANNELS_APP_KEY}:{}", "0".repeat(64)))),
        ("private-admin", Value::Null),
    ] {
        client.send(json!({"event": "pusher:subscribe", "data": {"channel": channel, "auth": auth}})).await;
        let refused = client.expect("pusher:error").await;
        assert_eq!(refused["data"]["code"], 4009, "{channel}: {refused}");
    }
    let registry = &app.ctx.stores.connections;
    let on_bo = registry.subscribers("private-customer.bo").await.unwrap();
    assert!(on_bo.is_empty(), "nothing refused was registered");
    // The connection is still usable after the refusals.
    client.send(json!({"event": "pusher:ping", "data": {}})).await;
    client.expect("pusher:pong").await;
    // A protocol this server does not speak, or none: Pusher's 4007 / 4008, then the connection is closed.
    for (query, code) in [("protocol=6&client=js", 4007), ("client=js", 4008)] {
        let url = format!("ws://{addr}/app/{LOCAL_CHANNELS_APP_KEY}?{query}");
        let (socket, _) = tokio_tungstenite::connect_async(url).await.expect("upgraded");
        let mut old = Client { socket, socket_id: String::new() };
        let refused = old.next().await.expect("Pusher's error");
        assert_eq!((refused["event"].as_str(), refused["data"]["code"].as_u64()), (Some("pusher:error"), Some(code)));
        assert!(old.next().await.is_none(), "{query}: closed");
    }
    // An upgrade for another app's key is not this API's.
    let wrong = tokio_tungstenite::connect_async(format!("ws://{addr}/app/another-key?protocol=7")).await;
    assert!(wrong.is_err(), "another app's key is refused");
}

async fn domain_events_reach_every_connection_of_their_customer_only(app: TestApp) {
    let addr = gateway(&app).await;
    let (ann, bo) = (Caller::customer(&"ann"), Caller::customer(&"bo"));
    let mut tab1 = Client::connect(addr).await;
    let mut tab2 = Client::connect(addr).await;
    let mut other = Client::connect(addr).await;
    tab1.join(&app, &ann, "private-customer.ann").await;
    tab2.join(&app, &ann, "private-customer.ann").await;
    other.join(&app, &bo, "private-customer.bo").await;

    shared::services::events::publish(&app.ctx, order_changed(&app, "ann")).await;
    let mut ids = Vec::new();
    for tab in [&mut tab1, &mut tab2] {
        let event = tab.expect("App\\Events\\OrderStatusChanged").await;
        assert_eq!(event["channel"], "private-customer.ann");
        assert_eq!(
            (event["data"]["customer_id"].as_str(), event["data"]["new_status"].as_str()),
            (Some("ann"), Some("completed"))
        );
        ids.push(event["data"]["id"].as_str().expect("the event id, to drop a repeat").to_owned());
    }
    assert_eq!(ids[0], ids[1], "one event, one id");
    other.expect_silence("another customer's event").await;
    // Recorded in the customer's feed once as well.
    let (feed, _) = app.ctx.stores.feed.recent(&CustomerId("ann".into()), 10, None).await.unwrap();
    assert_eq!(feed.len(), 1);
}

async fn presence_members_are_users_and_a_second_tab_joins_and_leaves_silently(app: TestApp) {
    let addr = gateway(&app).await;
    let (ann, ops) = (Caller::customer(&"ann"), Caller::Admin("ops".into()));
    let mut watcher = Client::connect(addr).await;
    let joined = watcher.join(&app, &ops, "presence-support").await;
    assert_eq!(joined["data"]["presence"]["ids"], json!(["ops"]));

    let mut tab1 = Client::connect(addr).await;
    let joined = tab1.join(&app, &ann, "presence-support").await;
    assert_eq!(joined["data"]["presence"]["count"], 2, "{joined}");
    let added = watcher.expect("pusher_internal:member_added").await;
    assert_eq!(
        (added["data"]["user_id"].as_str(), added["data"]["user_info"]["role"].as_str()),
        (Some("ann"), Some("customer"))
    );

    let mut tab2 = Client::connect(addr).await;
    let joined = tab2.join(&app, &ann, "presence-support").await;
    assert_eq!(joined["data"]["presence"]["count"], 2, "two tabs are one member: {joined}");
    watcher.expect_silence("a second tab is no new member").await;
    // Another customer on support sees the admins and themselves, not Ann; nor does Ann see them.
    let mut cy = Client::connect(addr).await;
    let joined = cy.join(&app, &Caller::customer(&"cy"), "presence-support").await;
    let mut ids: Vec<&str> =
        joined["data"]["presence"]["ids"].as_array().unwrap().iter().map(|i| i.as_str().unwrap()).collect();
    ids.sort_unstable();
    assert_eq!(ids, ["cy", "ops"], "{joined}");
    assert_eq!(watcher.expect("pusher_internal:member_added").await["data"]["user_id"], "cy", "the admin sees them");
    tab2.expect_silence("a customer is not told of another").await;
    cy.socket.close(None).await.unwrap();
    assert_eq!(watcher.expect("pusher_internal:member_removed").await["data"]["user_id"], "cy");
    // A member cannot claim to be someone else: channel_data signed for ann, sent as bo's, is refused.
    let signed = authorize(&app, &ann, &tab2.socket_id, "presence-support").await.1;
    let claimed = signed["channel_data"].as_str().unwrap().replace("\"ann\"", "\"bo\"");
    tab2.send(json!({"event": "pusher:subscribe", "data": {
        "channel": "presence-support", "auth": signed["auth"], "channel_data": claimed}}))
        .await;
    assert_eq!(tab2.expect("pusher:error").await["data"]["code"], 4009);

    tab1.socket.close(None).await.unwrap();
    watcher.expect_silence("a tab closes while another is open").await;
    tab2.send(json!({"event": "pusher:unsubscribe", "data": {"channel": "presence-support"}})).await;
    let removed = watcher.expect("pusher_internal:member_removed").await;
    assert_eq!(removed["data"]["user_id"], "ann");
    let members = app.ctx.stores.connections.subscribers("presence-support").await.unwrap();
    assert_eq!(members.iter().map(|m| m.subject.as_str()).collect::<Vec<_>>(), ["ops"], "no phantom member left");
}

async fn client_events_reach_the_others_only_and_are_rate_limited(app: TestApp) {
    let addr = gateway(&app).await;
    let (ops, bo) = (Caller::Admin("ops".into()), Caller::customer(&"bo"));
    let mut sender = Client::connect(addr).await;
    let mut receiver = Client::connect(addr).await;
    sender.join(&app, &ops, "presence-support").await;
    receiver.join(&app, &bo, "presence-support").await;
    sender.expect("pusher_internal:member_added").await;

    sender.send(json!({"event": "client-typing", "channel": "presence-support", "data": {"typing": true}})).await;
    let typing = receiver.expect("client-typing").await;
    assert_eq!((typing["user_id"].as_str(), typing["data"]["typing"].as_bool()), (Some("ops"), Some(true)));
    sender.expect_silence("a client event is not echoed to its sender").await;
    // A customer does not broadcast to every customer on support.
    receiver.send(json!({"event": "client-typing", "channel": "presence-support", "data": {}})).await;
    receiver.expect("pusher:error").await;
    sender.expect_silence("a customer's client event on support").await;
    // A channel the sender is not on: refused, nobody receives it.
    sender.send(json!({"event": "client-typing", "channel": "private-customer.bo", "data": {}})).await;
    sender.expect("pusher:error").await;
    // Pusher's 10 per second: the 11th of this second is refused with 4301 (the window is the injected clock's).
    for _ in 0..10 {
        sender.send(json!({"event": "client-typing", "channel": "presence-support", "data": {}})).await;
    }
    let limited = sender.expect("pusher:error").await;
    assert_eq!(limited["data"]["code"], 4301, "{limited}");
    let mut delivered = 0;
    while let Some(frame) = receiver.next_within(Duration::from_millis(700)).await {
        delivered += usize::from(frame["event"] == "client-typing");
    }
    assert_eq!(delivered, 8, "the refused event counted against this second's 10 as well");
}

async fn a_gone_connection_is_forgotten_and_the_live_ones_still_receive(app: TestApp) {
    let addr = gateway(&app).await;
    let ann = Caller::customer(&"ann");
    let mut live = Client::connect(addr).await;
    live.join(&app, &ann, "private-customer.ann").await;
    // A connection API Gateway closed without a `$disconnect` reaching us: registered, on the channel, gone.
    let stale = Connection {
        connection_id: "Stale0000000000=".into(),
        socket_id: shared::services::realtime::signature::socket_id_of("Stale0000000000="),
        subject: String::new(),
        groups: Vec::new(),
        connected_at: app.ctx.clock.now(),
    };
    let registry = &app.ctx.stores.connections;
    registry.register(&stale).await.unwrap();
    registry.subscribe(&stale, "", "private-customer.ann", &Value::Null).await.unwrap();

    shared::services::events::publish(&app.ctx, order_changed(&app, "ann")).await;
    live.expect("App\\Events\\OrderStatusChanged").await;
    // The 410 had the stale connection forgotten — that one, not the live one.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let on_channel = registry.subscribers("private-customer.ann").await.unwrap();
        if on_channel.len() == 1 {
            assert_ne!(on_channel[0].connection_id, stale.connection_id);
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the stale connection is still registered: {on_channel:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(registry.get(&stale.connection_id).await.unwrap().is_none());
    shared::services::events::publish(&app.ctx, order_changed(&app, "ann")).await;
    live.expect("App\\Events\\OrderStatusChanged").await;
}

async fn a_registration_past_two_hours_is_told_to_reconnect(app: TestApp) {
    let addr = gateway(&app).await;
    let mut old = Client::connect(addr).await;
    old.join(&app, &Caller::customer(&"ann"), "private-customer.ann").await;
    app.clock.advance(chrono::Duration::hours(2) + chrono::Duration::minutes(1));
    old.send(json!({"event": "pusher:ping", "data": {}})).await;
    let told = old.expect("pusher:error").await;
    assert_eq!(told["data"]["code"], 4200, "reconnect: {told}");
    assert!(old.next().await.is_none(), "and the connection is closed");
    let on_channel = app.ctx.stores.connections.subscribers("private-customer.ann").await.unwrap();
    assert!(on_channel.is_empty(), "its expired rows are not read as live: {on_channel:?}");
    // Reconnecting works as for anyone.
    let mut again = Client::connect(addr).await;
    again.join(&app, &Caller::customer(&"ann"), "private-customer.ann").await;
}

async fn oversized_and_malformed_frames_are_refused_without_harm(app: TestApp) {
    let addr = gateway(&app).await;
    let ann = Caller::customer(&"ann");
    let mut client = Client::connect(addr).await;
    client.join(&app, &ann, "presence-support").await;
    for bad in [json!("not an object"), json!({"data": {}}), json!({"event": "pusher:subscribe", "data": {}})] {
        client.send(bad.clone()).await;
        let refused = client.expect("pusher:error").await;
        assert!(refused["data"]["message"].is_string(), "{bad}: {refused}");
    }
    let big = "x".repeat(11 * 1024);
    client.send(json!({"event": "client-big", "channel": "presence-support", "data": big})).await;
    assert!(client.expect("pusher:error").await["data"]["message"].as_str().unwrap().contains("bytes"));
    client.send(json!({"event": "pusher:ping", "data": {}})).await;
    client.expect("pusher:pong").await;
    // Over API Gateway's 128 KB: the connection is closed, and its registration with it.
    client.send(json!({"event": "pusher:ping", "data": "y".repeat(130 * 1024)})).await;
    assert!(client.next().await.is_none(), "closed");
    let deadline = tokio::time::Instant::now() + WAIT;
    while !app.ctx.stores.connections.subscribers("presence-support").await.unwrap().is_empty() {
        assert!(tokio::time::Instant::now() < deadline, "$disconnect forgot it");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn admins_see_who_is_online_then_away_then_gone(app: TestApp) {
    let addr = gateway(&app).await;
    let presence = || async {
        let reply = Call::to(&routes::ADMIN_PRESENCE, &[]).by(&Caller::Admin("ops".into())).send(&app).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.body["data"].clone()
    };
    let mut ann = Client::connect(addr).await;
    assert_eq!(presence().await["users"], json!([]), "an anonymous connection is nobody yet");
    ann.join(&app, &Caller::customer(&"ann"), "private-customer.ann").await;
    let seen = presence().await;
    assert_eq!((seen["online"].as_u64(), seen["users"][0]["user_id"].as_str()), (Some(1), Some("ann")), "{seen}");
    let registered = app.ctx.stores.connections.subscribers("private-customer.ann").await.unwrap();
    let connection = app.ctx.stores.connections.get(&registered[0].connection_id).await.unwrap().unwrap();
    assert_eq!(connection.subject, "ann", "the signature named the connection's user");

    app.clock.advance(chrono::Duration::minutes(3));
    assert_eq!(presence().await["users"][0]["status"], "away", "no ping for 3 minutes");
    ann.send(json!({"event": "pusher:ping", "data": {}})).await;
    ann.expect("pusher:pong").await;
    assert_eq!(presence().await["users"][0]["status"], "online", "a ping is a sighting");
    app.clock.advance(chrono::Duration::minutes(11));
    assert_eq!(presence().await["users"], json!([]), "not seen for 11 minutes: offline");
    assert_eq!(
        Call::to(&routes::ADMIN_PRESENCE, &[]).by(&Caller::customer(&"ann")).send(&app).await.status,
        403,
        "admins only"
    );
}

/// The management API down: every post fails (not gone, just failing).
struct ApiDown;

#[async_trait::async_trait]
impl shared::ports::ConnectionPoster for ApiDown {
    async fn post(&self, _: &str, _: &str) -> Result<(), shared::ports::PostError> {
        let down = shared::error::PortError::unavailable(shared::error::Backend::Connections, "503");
        Err(shared::ports::PostError::Port(down))
    }
    async fn close(&self, _: &str) -> Result<(), shared::ports::PostError> {
        Ok(())
    }
}

async fn a_push_that_fails_fails_its_job_after_the_event_is_recorded(mut app: TestApp) {
    let listener = Connection {
        connection_id: "Live00000000000=".into(),
        socket_id: shared::services::realtime::signature::socket_id_of("Live00000000000="),
        subject: "ann".into(),
        groups: Vec::new(),
        connected_at: app.ctx.clock.now(),
    };
    let registry = app.ctx.stores.connections.clone();
    registry.register(&listener).await.unwrap();
    registry.subscribe(&listener, "ann", "private-customer.ann", &Value::Null).await.unwrap();
    app.ctx = app.ctx.clone().with_connections(Arc::new(ApiDown));
    shared::services::events::publish(&app.ctx, order_changed(&app, "ann")).await;
    let outcomes = integration_tests::drain(&app, Priority::Notifications).await;
    assert!(outcomes.iter().any(|o| o.is_failure()), "the queue runs it again: {outcomes:?}");
    let (feed, _) = app.ctx.stores.feed.recent(&CustomerId("ann".into()), 10, None).await.unwrap();
    assert_eq!(feed.len(), 1, "recorded before the push, once");
    assert!(registry.get("Live00000000000=").await.unwrap().is_some(), "a failing API is not a gone connection");
}

mod inbox_and_activity {
    //! The customer's notifications and activity over HTTP, and the admins' activity: the caller's own only.
    use integration_tests::TestApp;
    use integration_tests::api::{Call, Caller};
    use shared::domain::{AlertSeverity, CustomerId, Notification, NotificationId, Priority};
    use shared::routes;

    integration_tests::on_both_backends!(
        a_customer_reads_and_marks_their_own_notifications_only,
        the_activity_feeds_are_their_readers_own_with_the_pushed_ids,
    );

    fn notification(app: &TestApp, about: &str) -> Notification {
        let at = app.ctx.clock.now();
        Notification {
            id: NotificationId::of(at, about),
            kind: "client_expiring".into(),
            severity: AlertSeverity::Info,
            title: format!("About {about}"),
            body: "Renew it to keep it running.".into(),
            about: Some(about.into()),
            created_at: at,
        }
    }

    async fn a_customer_reads_and_marks_their_own_notifications_only(app: TestApp) {
        let (ann, bo) = (CustomerId("ann".into()), CustomerId("bo".into()));
        let first = notification(&app, "client:1");
        app.clock.advance(chrono::Duration::seconds(1));
        let second = notification(&app, "client:2");
        let others = notification(&app, "client:3");
        for (customer, note) in [(&ann, &first), (&ann, &second), (&bo, &others)] {
            shared::services::realtime::notifications::send(&app.ctx, customer, note.clone()).await.unwrap();
        }
        // Sent twice (a retried send): stored once.
        shared::services::realtime::notifications::send(&app.ctx, &ann, first.clone()).await.unwrap();
        integration_tests::drain(&app, Priority::Notifications).await;

        let app = &app;
        let list = |caller: Caller| async move { Call::to(&routes::NOTIFICATIONS, &[]).by(&caller).send(app).await };
        let page = list(Caller::customer(&"ann")).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let ids: Vec<&str> =
            page.body["data"]["notifications"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap()).collect();
        assert_eq!(ids, [second.id.as_str(), first.id.as_str()], "newest first, hers only, once each");
        assert_eq!(page.body["data"]["unread_count"], 2);

        let read =
            Call::to(&routes::NOTIFICATION_READ, &[first.id.as_str()]).by(&Caller::customer(&"ann")).send(app).await;
        assert_eq!((read.status, read.body["data"]["read"].as_bool()), (200, Some(true)), "{}", read.body);
        let theirs =
            Call::to(&routes::NOTIFICATION_READ, &[others.id.as_str()]).by(&Caller::customer(&"ann")).send(app).await;
        assert_eq!(theirs.status, 404, "another customer's notification is none of hers");
        let bad = Call::to(&routes::NOTIFICATION_READ, &["not-an-id"]).by(&Caller::customer(&"ann")).send(app).await;
        assert_eq!(bad.status, 404);
        assert_eq!(list(Caller::customer(&"ann")).await.body["data"]["unread_count"], 1);
        let all = Call::to(&routes::NOTIFICATIONS_READ, &[]).by(&Caller::customer(&"ann")).send(app).await;
        assert_eq!(all.status, 200, "{}", all.body);
        assert_eq!(list(Caller::customer(&"ann")).await.body["data"]["unread_count"], 0);
        assert_eq!(list(Caller::customer(&"bo")).await.body["data"]["unread_count"], 1, "hers marks none of his");
        let bad_page =
            Call::to(&routes::NOTIFICATIONS, &[]).by(&Caller::customer(&"ann")).query("limit=0").send(app).await;
        assert_eq!(bad_page.status, 422);
    }

    async fn the_activity_feeds_are_their_readers_own_with_the_pushed_ids(app: TestApp) {
        for customer in ["ann", "ann", "bo"] {
            shared::services::events::publish(&app.ctx, super::order_changed(&app, customer)).await;
        }
        integration_tests::drain(&app, Priority::Notifications).await;
        let feed = Call::to(&routes::ACTIVITY, &[]).by(&Caller::customer(&"ann")).query("limit=1").send(&app).await;
        assert_eq!(feed.status, 200, "{}", feed.body);
        let events = feed.body["data"]["events"].as_array().unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0]["customer_id"], "ann");
        assert!(events[0]["event_id"].as_str().is_some_and(|id| !id.is_empty()), "{}", feed.body);
        let cursor = feed.body["data"]["next_cursor"].as_str().expect("a second page").to_owned();
        let rest = Call::to(&routes::ACTIVITY, &[])
            .by(&Caller::customer(&"ann"))
            .query(&format!("cursor={cursor}"))
            .send(&app)
            .await;
        assert_eq!(rest.body["data"]["events"].as_array().unwrap().len(), 1, "{}", rest.body);
        // Ann's cursor is no cursor of Bo's feed.
        let foreign = Call::to(&routes::ACTIVITY, &[])
            .by(&Caller::customer(&"bo"))
            .query(&format!("cursor={cursor}"))
            .send(&app)
            .await;
        assert_eq!(foreign.status, 422, "{}", foreign.body);
        let admins = Call::to(&routes::ADMIN_ACTIVITY, &[]).by(&Caller::Admin("ops".into())).send(&app).await;
        assert_eq!(admins.status, 200);
        assert!(admins.body["data"]["events"].as_array().unwrap().is_empty(), "no customer event in the admins' feed");
        let customer = Call::to(&routes::ADMIN_ACTIVITY, &[]).by(&Caller::customer(&"ann")).send(&app).await;
        assert_eq!(customer.status, 403);
    }
}

async fn chat_messages_and_typing_reach_the_conversations_participants_only(app: TestApp) {
    let addr = gateway(&app).await;
    let (ann, ops, bo) = (Caller::customer(&"ann"), Caller::Admin("ops".into()), Caller::customer(&"bo"));
    let started = Call::to(&routes::CHAT_START, &[]).by(&ann).send(&app).await;
    let id = started.body["data"]["conversation"]["id"].as_str().unwrap().to_owned();
    let channel = format!("private-chat.{id}");
    let mut customer = Client::connect(addr).await;
    customer.join(&app, &ann, "private-customer.ann").await;
    customer.join(&app, &ann, &channel).await;
    let mut support = Client::connect(addr).await;
    support.join(&app, &ops, "private-admin").await;
    support.join(&app, &ops, &channel).await;
    // Another customer is refused the signature, and a forged one is refused by the socket.
    let mut outsider = Client::connect(addr).await;
    assert_eq!(authorize(&app, &bo, &outsider.socket_id, &channel).await.0, 403);
    outsider
        .send(json!({"event": "pusher:subscribe", "data": {"channel": channel, "auth": format!("{LOCAL_CHANNELS_APP_KEY}:00")}}))
        .await;
    assert_eq!(outsider.expect("pusher:error").await["data"]["code"], 4009);

    let reply =
        Call::to(&routes::CHAT_SEND, &[&id]).by(&ann).json(json!({"body": "Is anyone there?"})).send(&app).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let message = reply.body["data"]["message"].clone();
    let heard = support.expect("App\\Events\\ChatMessageSent").await;
    assert_eq!(
        (heard["channel"].as_str(), heard["data"]["id"].as_str()),
        (Some(channel.as_str()), message["id"].as_str())
    );
    assert_eq!(heard["data"]["body"], "Is anyone there?");
    let badge = support.expect("App\\Events\\ChatUpdated").await;
    assert_eq!(
        (badge["channel"].as_str(), badge["data"]["unread"].as_u64()),
        (Some("private-admin"), Some(1)),
        "{badge}"
    );
    // The sender's own tabs get it too (another tab shows it), and their badge stays at 0.
    assert_eq!(customer.expect("App\\Events\\ChatMessageSent").await["data"]["id"], message["id"]);
    let own = customer.expect("App\\Events\\ChatUpdated").await;
    assert_eq!((own["channel"].as_str(), own["data"]["unread"].as_u64()), (Some("private-customer.ann"), Some(0)));
    outsider.expect_silence("not a participant").await;

    // Typing is a client event on the chat's channel: the other side sees it, the typist does not.
    support.send(json!({"event": "client-typing", "channel": channel, "data": {"typing": true}})).await;
    let typing = customer.expect("client-typing").await;
    // (Pusher names the sender on presence channels only; a chat has one other side.)
    assert_eq!((typing["channel"].as_str(), typing["data"]["typing"].as_bool()), (Some(channel.as_str()), Some(true)));
    support.expect_silence("not echoed").await;

    // A redelivered delivery job arrives again under the same id, for the client to drop.
    let event = shared::services::realtime::chat::delivery::ChatEvent::Message(
        serde_json::from_value(message.clone()).unwrap(),
    );
    shared::services::realtime::chat::delivery::queue(&app.ctx, &CustomerId("ann".into()), event).await.unwrap();
    assert_eq!(customer.expect("App\\Events\\ChatMessageSent").await["data"]["id"], message["id"]);

    // Closing tells both.
    let closed = Call::to(&routes::CHAT_CLOSE, &[&id]).by(&ops).send(&app).await;
    assert_eq!(closed.status, 200);
    let notice = customer.expect("App\\Events\\ChatClosed").await;
    assert_eq!(
        (notice["data"]["by"].as_str(), notice["data"]["conversation_id"].as_str()),
        (Some("support"), Some(id.as_str()))
    );
    support.expect("App\\Events\\ChatClosed").await;
}
