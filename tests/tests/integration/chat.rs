//! Live chat over HTTP on both backends: a customer's one open conversation, messages both ways with the history
//! paged by cursor, unread counts per side, the admins' open list with assignment, closing; who may see a
//! conversation (its customer and the admins) and its channel; bad input as 4xx; two writers, two admins taking
//! the same conversation, a retried send; DynamoDB and SQS gone mid-conversation.

use futures_util::future::join_all;
use integration_tests::api::{Call, Caller, Reply};
use integration_tests::{Backend, TestApp, drain};
use serde_json::{Value, json};
use shared::domain::Priority;
use shared::ports::{JobQueue, Table};
use shared::routes;
use std::sync::Arc;
use std::time::Duration;

integration_tests::on_both_backends!(
    a_customer_and_support_talk_and_each_side_counts_what_it_has_not_read,
    a_conversation_is_its_customers_and_the_admins_only,
    bad_input_is_a_4xx_naming_the_field,
    concurrent_writers_lose_nothing_and_a_retried_send_sends_once,
    admins_take_conversations_one_at_a_time,
    a_closed_conversation_takes_nothing_more_and_the_next_is_new,
);

fn ann() -> Caller {
    Caller::customer(&"ann")
}

async fn start(app: &TestApp, caller: &Caller) -> Value {
    let reply = Call::to(&routes::CHAT_START, &[]).by(caller).send(app).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["data"].clone()
}

async fn send(app: &TestApp, caller: &Caller, id: &str, body: &str) -> Reply {
    Call::to(&routes::CHAT_SEND, &[id]).by(caller).json(json!({ "body": body })).send(app).await
}

async fn sent(app: &TestApp, caller: &Caller, id: &str, body: &str) -> Value {
    let reply = send(app, caller, id, body).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.body["data"]["message"].clone()
}

async fn history(app: &TestApp, caller: &Caller, id: &str, query: &str) -> Value {
    let reply = Call::to(&routes::CHAT_MESSAGES, &[id]).by(caller).query(query).send(app).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["data"].clone()
}

async fn open_list(app: &TestApp, admin: &str, assigned: &str) -> Vec<Value> {
    let reply = Call::to(&routes::ADMIN_CHATS, &[])
        .by(&Caller::Admin(admin.into()))
        .query(&format!("assigned={assigned}"))
        .send(app)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["data"]["conversations"].as_array().cloned().unwrap_or_default()
}

async fn a_customer_and_support_talk_and_each_side_counts_what_it_has_not_read(app: TestApp) {
    let opened = start(&app, &ann()).await;
    assert_eq!(opened["started"], true);
    let conversation = &opened["conversation"];
    let id = conversation["id"].as_str().unwrap().to_owned();
    assert_eq!(conversation["channel"], format!("private-chat.{id}"));
    assert_eq!((conversation["status"].as_str(), conversation["unread"].as_u64()), (Some("open"), Some(0)));
    // Asking again is how a client finds it.
    let again = start(&app, &ann()).await;
    assert_eq!((again["started"].as_bool(), again["conversation"]["id"].as_str()), (Some(false), Some(id.as_str())));

    sent(&app, &ann(), &id, "My Frankfurt proxy stopped answering.").await;
    app.clock.advance(chrono::Duration::seconds(1));
    sent(&app, &ann(), &id, "Since this morning.").await;
    let waiting = open_list(&app, "ops", "none").await;
    assert_eq!(waiting.len(), 1);
    assert_eq!(
        (waiting[0]["unread"].as_u64(), waiting[0]["last_message"].as_str()),
        (Some(2), Some("Since this morning."))
    );

    app.clock.advance(chrono::Duration::seconds(1));
    let reply = sent(&app, &Caller::Admin("ops".into()), &id, "Looking into it now.").await;
    assert_eq!((reply["side"].as_str(), reply["sender"].as_str()), (Some("support"), Some("ops")));
    let seen_by_ann = history(&app, &ann(), &id, "").await;
    assert_eq!(seen_by_ann["conversation"]["unread"], 1, "support's one reply");
    let bodies: Vec<&str> =
        seen_by_ann["messages"].as_array().unwrap().iter().map(|m| m["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, ["Looking into it now.", "Since this morning.", "My Frankfurt proxy stopped answering."]);
    let seen_by_support = history(&app, &Caller::Admin("eve".into()), &id, "").await;
    assert_eq!(seen_by_support["conversation"]["unread"], 0, "ops answered both: read for support, eve included");
    app.clock.advance(chrono::Duration::seconds(1));
    sent(&app, &ann(), &id, "Still nothing.").await;
    assert_eq!(history(&app, &Caller::Admin("eve".into()), &id, "").await["conversation"]["unread"], 1);
    assert_eq!(history(&app, &ann(), &id, "").await["conversation"]["unread"], 0, "ann answered ops's reply");

    let read = Call::to(&routes::CHAT_READ, &[&id]).by(&ann()).send(&app).await;
    assert_eq!((read.status, read.body["data"]["unread"].as_u64()), (200, Some(0)), "{}", read.body);
    let read = Call::to(&routes::CHAT_READ, &[&id]).by(&Caller::Admin("eve".into())).send(&app).await;
    assert_eq!(read.body["data"]["unread"], 0);
    assert_eq!(open_list(&app, "ops", "none").await[0]["unread"], 0, "eve read it for support");
    assert_eq!(open_list(&app, "ops", "any").await[0]["unread"], 0, "support's count is shared by the admins");
    let mine = Call::to(&routes::CHATS, &[]).by(&ann()).send(&app).await;
    assert_eq!(mine.body["data"]["conversations"][0]["messages"], 4, "{}", mine.body);

    // The history pages by cursor, newest first, without a gap or a repeat.
    for n in 0..5 {
        app.clock.advance(chrono::Duration::seconds(1));
        sent(&app, &ann(), &id, &format!("more {n}")).await;
    }
    let (mut seen, mut cursor) = (Vec::new(), String::new());
    loop {
        let page = history(&app, &ann(), &id, &format!("limit=3&cursor={cursor}")).await;
        seen.extend(page["messages"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen.len(), 9);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.reverse();
    assert_eq!(seen, sorted, "newest first, each once");
    // Every message's delivery was queued (and runs without anyone connected).
    let outcomes = drain(&app, Priority::Notifications).await;
    assert!(outcomes.len() >= 9, "{outcomes:?}");
}

async fn a_conversation_is_its_customers_and_the_admins_only(app: TestApp) {
    let id = start(&app, &ann()).await["conversation"]["id"].as_str().unwrap().to_owned();
    sent(&app, &ann(), &id, "Private matter.").await;
    let bo = Caller::customer(&"bo");
    let calls = [
        Call::to(&routes::CHAT_MESSAGES, &[&id]).by(&bo),
        Call::to(&routes::CHAT_SEND, &[&id]).by(&bo).json(json!({"body": "Let me in"})),
        Call::to(&routes::CHAT_READ, &[&id]).by(&bo),
        Call::to(&routes::CHAT_CLOSE, &[&id]).by(&bo),
    ];
    for call in calls {
        let reply = call.send(&app).await;
        assert_eq!((reply.status, reply.body["error_code"].as_str()), (404, Some("not_found")), "{}", reply.body);
    }
    assert_eq!(history(&app, &ann(), &id, "").await["messages"].as_array().unwrap().len(), 1, "nothing of bo's");
    let theirs = Call::to(&routes::CHATS, &[]).by(&bo).send(&app).await;
    assert_eq!(theirs.body["data"]["conversations"], json!([]));

    // Its channel: the customer and admins are signed in, anyone else is refused.
    let channel = format!("private-chat.{id}");
    let authorize = |caller: Caller| {
        let channel = channel.clone();
        let app = &app;
        async move {
            Call::to(&routes::BROADCASTING_AUTH, &[])
                .by(&caller)
                .json(json!({"socket_id": "1234.5678", "channel_name": channel}))
                .send(app)
                .await
                .status
        }
    };
    assert_eq!(authorize(ann()).await, 200);
    assert_eq!(authorize(Caller::Admin("ops".into())).await, 200);
    assert_eq!(authorize(bo.clone()).await, 403);
    let unknown = Call::to(&routes::BROADCASTING_AUTH, &[])
        .by(&ann())
        .json(json!({"socket_id": "1234.5678", "channel_name": "private-chat.no-such-conversation"}))
        .send(&app)
        .await;
    assert_eq!(unknown.status, 403);

    // Support sees who is asking: the profile's name when there is one.
    let profiled = Caller::customer(&integration_tests::fixtures::customer(&app.ctx, "0").await);
    let named = start(&app, &profiled).await;
    assert_eq!(named["conversation"]["customer_name"], "Test Customer");
    assert!(open_list(&app, "ops", "any").await.iter().any(|c| c["customer_name"] == "Test Customer"));
    assert_eq!(start(&app, &ann()).await["conversation"]["customer_name"], Value::Null, "no profile yet");

    // Admins answer; they do not open conversations.
    let admin = Call::to(&routes::CHAT_START, &[]).by(&Caller::Admin("ops".into())).send(&app).await;
    assert_eq!((admin.status, admin.body["error_code"].as_str()), (403, Some("admins_answer_chats")), "{}", admin.body);
}

async fn bad_input_is_a_4xx_naming_the_field(app: TestApp) {
    let id = start(&app, &ann()).await["conversation"]["id"].as_str().unwrap().to_owned();
    let too_long = "x".repeat(2001);
    for (body, why) in [
        (json!({"body": "   \n\t"}), "blank"),
        (json!({"body": too_long}), "too long"),
        (json!({}), "missing"),
        (json!({"body": 42}), "not text"),
    ] {
        let reply = Call::to(&routes::CHAT_SEND, &[&id]).by(&ann()).json(body).send(&app).await;
        assert_eq!(reply.status, 422, "{why}: {}", reply.body);
        assert!(reply.body["errors"]["body"].is_array(), "{why}: {}", reply.body);
    }
    let reply = send(&app, &ann(), &id, &"é".repeat(2000)).await;
    assert_eq!(reply.status, 201, "2000 characters, whatever their bytes: {}", reply.body);
    let not_json = Call::to(&routes::CHAT_SEND, &[&id]).by(&ann()).raw_body("body=hi").send(&app).await;
    assert_eq!(not_json.status, 422, "{}", not_json.body);
    let reply = send(&app, &ann(), "not-a-conversation", "Hello").await;
    assert_eq!(reply.status, 404);
    let reply = send(&app, &ann(), "5f0c3b8e-2d1a-4c6b-9e7f-0a1b2c3d4e5f", "Hello").await;
    assert_eq!(reply.status, 404, "a well-formed id of nothing");
    // A cursor from another conversation's history is not this one's.
    let other = start(&app, &Caller::customer(&"bo")).await["conversation"]["id"].as_str().unwrap().to_owned();
    for n in 0..3 {
        sent(&app, &Caller::customer(&"bo"), &other, &format!("m{n}")).await;
    }
    let page = history(&app, &Caller::customer(&"bo"), &other, "limit=1").await;
    let foreign = page["next_cursor"].as_str().unwrap();
    let reply =
        Call::to(&routes::CHAT_MESSAGES, &[&id]).by(&ann()).query(&format!("cursor={foreign}")).send(&app).await;
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert!(reply.body["errors"]["cursor"].is_array());
    let reply =
        Call::to(&routes::ADMIN_CHATS, &[]).by(&Caller::Admin("ops".into())).query("assigned=someone").send(&app).await;
    assert_eq!(reply.status, 422);
    assert!(reply.body["errors"]["assigned"].is_array());
    let reply = Call::to(&routes::ADMIN_CHAT_ASSIGN, &[&id])
        .by(&Caller::Admin("ops".into()))
        .json(json!({"admin_id": "a b#c"}))
        .send(&app)
        .await;
    assert_eq!(reply.status, 422);
    assert!(reply.body["errors"]["admin_id"].is_array());
    let reply = Call::to(&routes::CHAT_SEND, &[&id])
        .by(&ann())
        .json(json!({"body": "hi"}))
        .header("idempotency-key", "")
        .send(&app)
        .await;
    assert_eq!(reply.status, 400, "{}", reply.body);
}

async fn concurrent_writers_lose_nothing_and_a_retried_send_sends_once(app: TestApp) {
    let id = start(&app, &ann()).await["conversation"]["id"].as_str().unwrap().to_owned();
    let ops = Caller::Admin("ops".into());
    let writes = (0..6).flat_map(|n| {
        [
            Call::to(&routes::CHAT_SEND, &[&id]).by(&ann()).json(json!({"body": format!("ann {n}")})),
            Call::to(&routes::CHAT_SEND, &[&id]).by(&ops).json(json!({"body": format!("ops {n}")})),
        ]
    });
    for reply in join_all(writes.map(|call| call.send(&app))).await {
        assert_eq!(reply.status, 201, "{}", reply.body);
    }
    let page = history(&app, &ann(), &id, "limit=100").await;
    assert_eq!(page["messages"].as_array().unwrap().len(), 12);
    assert_eq!(page["conversation"]["messages"], 12);
    // Each side's count: what the other wrote after this side's last message or read (however they interleaved).
    let conversation = app.ctx.stores.chats.get(&shared::domain::ConversationId(id.clone())).await.unwrap().unwrap();
    assert_eq!((conversation.from_customer, conversation.from_support), (6, 6), "every message counted");
    assert!(conversation.read_by_customer <= 6 && conversation.read_by_support <= 6, "{conversation:?}");
    assert_eq!(page["conversation"]["unread"], conversation.unread_by(shared::domain::ChatSide::Customer));

    // A send retried with its Idempotency-Key — twice at once — is one message.
    let retry = || {
        Call::to(&routes::CHAT_SEND, &[&id])
            .by(&ann())
            .json(json!({"body": "Did this go?"}))
            .header("idempotency-key", "k-1")
    };
    let replies = join_all([retry().send(&app), retry().send(&app)]).await;
    let again = retry().send(&app).await;
    let mut ids = Vec::new();
    for reply in replies.iter().chain([&again]) {
        assert_eq!(reply.status, 201, "{}", reply.body);
        ids.push(reply.body["data"]["message"]["id"].as_str().unwrap().to_owned());
    }
    assert!(ids.iter().all(|m| *m == ids[0]), "{ids:?}");
    assert_eq!(again.body["data"]["repeated"], true);
    assert_eq!(history(&app, &ann(), &id, "limit=100").await["messages"].as_array().unwrap().len(), 13);
    // Another sender's same key is theirs.
    let theirs =
        Call::to(&routes::CHAT_SEND, &[&id]).by(&ops).json(json!({"body": "Yes"})).header("idempotency-key", "k-1");
    assert_eq!(theirs.send(&app).await.body["data"]["repeated"], false);

    // Readers marking at once, with something unread: the mark ends at everything, whoever wins.
    sent(&app, &ann(), &id, "Hello again").await;
    assert_eq!(history(&app, &ops, &id, "").await["conversation"]["unread"], 1);
    let reads = join_all((0..4).map(|_| Call::to(&routes::CHAT_READ, &[&id]).by(&ops).send(&app))).await;
    assert!(reads.iter().all(|r| r.status == 200 && r.body["data"]["unread"] == 0), "{:?}", reads[0].body);
    let stored = app.ctx.stores.chats.get(&shared::domain::ConversationId(id.clone())).await.unwrap().unwrap();
    assert_eq!(stored.read_by_support, stored.from_customer, "the mark is stored: {stored:?}");
    assert_eq!(history(&app, &Caller::Admin("eve".into()), &id, "").await["conversation"]["unread"], 0);
}

async fn admins_take_conversations_one_at_a_time(app: TestApp) {
    let first = start(&app, &ann()).await["conversation"]["id"].as_str().unwrap().to_owned();
    let second = start(&app, &Caller::customer(&"bo")).await["conversation"]["id"].as_str().unwrap().to_owned();
    assert_eq!(open_list(&app, "ops", "none").await.len(), 2);

    // Two admins take the same conversation at once: one has it, the other is told who.
    let take = |admin: &str| Call::to(&routes::ADMIN_CHAT_ASSIGN, &[&first]).by(&Caller::Admin(admin.into()));
    let replies = join_all([take("ops").send(&app), take("eve").send(&app)]).await;
    let won: Vec<&Reply> = replies.iter().filter(|r| r.status == 200).collect();
    let lost: Vec<&Reply> = replies.iter().filter(|r| r.status == 409).collect();
    assert_eq!((won.len(), lost.len()), (1, 1), "{:?}", replies.iter().map(|r| &r.body).collect::<Vec<_>>());
    let holder = won[0].body["data"]["assigned_to"].as_str().unwrap().to_owned();
    assert_eq!(lost[0].body["error_code"], "conversation_taken");
    assert_eq!(lost[0].body["assigned_to"], holder.as_str(), "{}", lost[0].body);
    let other = if holder == "ops" { "eve" } else { "ops" };
    assert_eq!(take(&holder).send(&app).await.status, 200, "taking one's own again is fine");

    let mine = open_list(&app, &holder, "me").await;
    assert_eq!(mine.iter().map(|c| c["id"].as_str().unwrap()).collect::<Vec<_>>(), [first.as_str()]);
    assert!(open_list(&app, other, "me").await.is_empty());
    assert_eq!(open_list(&app, other, "none").await[0]["id"], second.as_str());

    // Taking over, and assigning to someone else by id.
    let over = take(other).json(json!({"take_over": true})).send(&app).await;
    assert_eq!((over.status, over.body["data"]["assigned_to"].as_str()), (200, Some(other)), "{}", over.body);
    assert!(open_list(&app, &holder, "me").await.is_empty(), "moved between the assignees' lists");
    // The customer knows it is taken, not by whom; support's messages reach them from "support".
    let seen = history(&app, &ann(), &first, "").await["conversation"].clone();
    assert_eq!((seen["assigned"].as_bool(), seen["assigned_to"].as_str()), (Some(true), None), "{seen}");
    sent(&app, &Caller::Admin(other.into()), &first, "On it").await;
    let answer = &history(&app, &ann(), &first, "").await["messages"][0];
    assert_eq!((answer["side"].as_str(), answer["sender"].as_str()), (Some("support"), Some("support")));
    assert_eq!(history(&app, &Caller::Admin("ops".into()), &first, "").await["messages"][0]["sender"], other);
    let given = Call::to(&routes::ADMIN_CHAT_ASSIGN, &[&second])
        .by(&Caller::Admin("ops".into()))
        .json(json!({"admin_id": "sam"}))
        .send(&app)
        .await;
    assert_eq!(given.body["data"]["assigned_to"], "sam", "{}", given.body);
    assert!(open_list(&app, "ops", "none").await.is_empty());
    // An admin id that looks like "nobody" is still somebody.
    let dash = Call::to(&routes::ADMIN_CHAT_ASSIGN, &[&second])
        .by(&Caller::Admin("ops".into()))
        .json(json!({"admin_id": "-", "take_over": true}))
        .send(&app)
        .await;
    assert_eq!(dash.body["data"]["assigned_to"], "-", "{}", dash.body);
    assert!(open_list(&app, "ops", "none").await.is_empty(), "not in the unassigned list");

    // The most recently active first.
    app.clock.advance(chrono::Duration::seconds(5));
    sent(&app, &ann(), &first, "Anyone?").await;
    let order: Vec<String> =
        open_list(&app, "ops", "any").await.iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(order, [first.clone(), second.clone()]);
    app.clock.advance(chrono::Duration::seconds(5));
    sent(&app, &Caller::customer(&"bo"), &second, "Me too").await;
    assert_eq!(open_list(&app, "ops", "any").await[0]["id"], second.as_str());

    let nothing = Call::to(&routes::ADMIN_CHAT_ASSIGN, &["5f0c3b8e-2d1a-4c6b-9e7f-0a1b2c3d4e5f"])
        .by(&Caller::Admin("ops".into()))
        .send(&app)
        .await;
    assert_eq!(nothing.status, 404);
}

async fn a_closed_conversation_takes_nothing_more_and_the_next_is_new(app: TestApp) {
    let id = start(&app, &ann()).await["conversation"]["id"].as_str().unwrap().to_owned();
    sent(&app, &ann(), &id, "Thanks, solved.").await;
    let keyed = || {
        Call::to(&routes::CHAT_SEND, &[&id]).by(&ann()).json(json!({"body": "Bye"})).header("idempotency-key", "k-8")
    };
    assert_eq!(keyed().send(&app).await.status, 201);
    let closed = Call::to(&routes::CHAT_CLOSE, &[&id]).by(&Caller::Admin("ops".into())).send(&app).await;
    let retried = keyed().send(&app).await;
    assert_eq!((retried.status, retried.body["data"]["repeated"].as_bool()), (201, Some(true)), "{}", retried.body);
    assert_eq!((closed.status, closed.body["data"]["status"].as_str()), (200, Some("closed")), "{}", closed.body);
    let again = Call::to(&routes::CHAT_CLOSE, &[&id]).by(&ann()).send(&app).await;
    assert_eq!(again.status, 200, "closing again is fine");
    let late = send(&app, &ann(), &id, "One more thing").await;
    // A retry of a send that went in before the close is that message, not a refusal; a new key is refused.
    let before_close =
        Call::to(&routes::CHAT_SEND, &[&id]).by(&ann()).json(json!({"body": "Bye"})).header("idempotency-key", "k-9");
    assert_eq!(before_close.send(&app).await.status, 409, "closed before this one");
    assert_eq!((late.status, late.body["error_code"].as_str()), (409, Some("conversation_closed")), "{}", late.body);
    let assign = Call::to(&routes::ADMIN_CHAT_ASSIGN, &[&id]).by(&Caller::Admin("ops".into())).send(&app).await;
    assert_eq!(assign.status, 409);
    assert!(open_list(&app, "ops", "any").await.is_empty());
    assert!(open_list(&app, "ops", "none").await.is_empty());
    // Its history stays; the customer's next conversation is a new one.
    assert_eq!(history(&app, &ann(), &id, "").await["messages"].as_array().unwrap().len(), 2);
    let next = start(&app, &ann()).await;
    assert_eq!(next["started"], true);
    assert_ne!(next["conversation"]["id"], id.as_str());
    let mine = Call::to(&routes::CHATS, &[]).by(&ann()).send(&app).await;
    assert_eq!(mine.body["data"]["conversations"].as_array().unwrap().len(), 2);

    // A close and a send racing: either the message is in before the close or it is refused, never lost.
    let next_id = next["conversation"]["id"].as_str().unwrap().to_owned();
    let ops = Caller::Admin("ops".into());
    let (closing, sending) = tokio::join!(
        Call::to(&routes::CHAT_CLOSE, &[&next_id]).by(&ann()).send(&app),
        send(&app, &ops, &next_id, "Before you go")
    );
    assert_eq!((closing.status, closing.body["data"]["status"].as_str()), (200, Some("closed")), "{}", closing.body);
    let kept = history(&app, &ann(), &next_id, "").await["messages"].as_array().unwrap().len();
    assert_eq!(kept, usize::from(sending.status == 201), "{}", sending.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_dynamodb_gone_chat_is_a_503_and_with_sqs_gone_a_keyed_retry_delivers_once() {
    let mut app = TestApp::new(Backend::Aws).await;
    let (table, link) = integration_tests::dynamo_table_through_link(app.clock.clone(), Duration::from_secs(3)).await;
    let table: Arc<dyn Table> = Arc::new(table);
    app.ctx.stores = shared::store::Stores::new(table.clone());
    app.table = table;
    let id = start(&app, &ann()).await["conversation"]["id"].as_str().unwrap().to_owned();

    link.cut();
    for call in [
        Call::to(&routes::CHAT_START, &[]).by(&ann()),
        Call::to(&routes::CHAT_SEND, &[&id]).by(&ann()).json(json!({"body": "Hello?"})),
        Call::to(&routes::CHAT_MESSAGES, &[&id]).by(&ann()),
        Call::to(&routes::ADMIN_CHATS, &[]).by(&Caller::Admin("ops".into())),
    ] {
        let reply = call.send(&app).await;
        assert_eq!(
            (reply.status, reply.body["error_code"].as_str()),
            (503, Some("service_unavailable")),
            "{}",
            reply.body
        );
        assert!(!reply.body.to_string().contains("127.0.0.1"));
    }
    link.restore();
    assert_eq!(history(&app, &ann(), &id, "").await["messages"], json!([]), "nothing half-written");

    // SQS gone after the message is stored: the send says so, and its retry under the same key sends nothing
    // twice but queues the delivery.
    let (queue, link) = integration_tests::sqs_queues_through_link().await;
    let queue: Arc<dyn JobQueue> = Arc::new(queue);
    app.ctx.queue = queue;
    let keyed = || {
        Call::to(&routes::CHAT_SEND, &[&id]).by(&ann()).json(json!({"body": "Hello?"})).header("idempotency-key", "q-1")
    };
    link.cut();
    let refused = keyed().send(&app).await;
    assert_eq!(refused.status, 503, "{}", refused.body);
    link.restore();
    let retried = keyed().send(&app).await;
    assert_eq!((retried.status, retried.body["data"]["repeated"].as_bool()), (201, Some(true)), "{}", retried.body);
    assert_eq!(history(&app, &ann(), &id, "").await["messages"].as_array().unwrap().len(), 1);
    let outcomes = drain(&app, Priority::Notifications).await;
    assert_eq!(outcomes.len(), 1, "the one delivery: {outcomes:?}");
}
