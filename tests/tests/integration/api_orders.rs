//! The order endpoints through their handlers, as API Gateway calls them, on both backends: every validation
//! rule of `POST /api/orders`, its 401/400/409/201 paths and idempotency key; the caller's order list with its
//! cursor; one order (404 for anyone else's); cancellation with refund and release; and the rate limits.

use integration_tests::TestApp;
use integration_tests::api::{Call, Caller, Reply, money};
use integration_tests::fixtures::{Shop, customer, dec, plan_on_a_down_server, shop_at_list_prices};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use shared::domain::*;
use shared::routes;

integration_tests::on_both_backends!(
    every_validation_rule_is_a_422_on_its_field,
    orders_are_placed_for_the_caller_with_the_right_status_for_each_refusal,
    an_idempotency_key_header_replays_the_first_order,
    the_caller_pages_through_their_own_orders_newest_first,
    an_order_is_shown_only_to_its_customer,
    cancelling_refunds_releases_capacity_and_gives_the_coupon_back,
    order_creation_is_limited_to_ten_a_minute,
    the_api_is_limited_to_sixty_calls_a_minute_per_customer,
);

/// A caller nobody else uses, so the per-customer rate limits never get in the way of a validation check.
fn fresh_customer() -> Caller {
    Caller::customer(&CustomerId::generate())
}

async fn create(app: &TestApp, caller: &Caller, body: Value) -> Reply {
    Call::to(&routes::ORDERS_CREATE, &[]).by(caller).json(body).send(app).await
}

fn single(shop: &Shop, quantity: u32) -> Value {
    json!({"server_id": shop.server.id, "plan_id": shop.plan.id, "quantity": quantity, "payment_method": "wallet"})
}

async fn every_validation_rule_is_a_422_on_its_field(app: TestApp) {
    let shop = shop_at_list_prices(&app.ctx, 50, "10.00").await;
    let other = integration_tests::fixtures::shop_at_list_prices(&app.ctx, 50, "5.00").await;
    let (server, plan) = (shop.server.id.as_str(), shop.plan.id.as_str());
    let line = |quantity: Value| json!({"plan_id": plan, "quantity": quantity});
    let eleven_lines: Vec<Value> = (0..11).map(|_| line(json!(1))).collect();
    let cases: Vec<(&str, Value, &str)> = vec![
        ("nothing", json!({}), "items"),
        ("no payment method", json!({"items": [line(json!(1))]}), "payment_method"),
        ("unknown payment method", json!({"items": [line(json!(1))], "payment_method": "cash"}), "payment_method"),
        ("empty items", json!({"items": [], "payment_method": "wallet"}), "items"),
        ("eleven items", json!({"items": eleven_lines, "payment_method": "wallet"}), "items"),
        ("line quantity 0", json!({"items": [line(json!(0))], "payment_method": "wallet"}), "items.0.quantity"),
        ("line quantity 51", json!({"items": [line(json!(51))], "payment_method": "wallet"}), "items.0.quantity"),
        ("line quantity text", json!({"items": [line(json!("two"))], "payment_method": "wallet"}), "items.0.quantity"),
        (
            "line without plan",
            json!({"items": [{"plan_id": "", "quantity": 1}], "payment_method": "wallet"}),
            "items.0.plan_id",
        ),
        (
            "unknown plan",
            json!({"items": [{"plan_id": "no-such-plan", "quantity": 1}], "payment_method": "wallet"}),
            "items.0.plan_id",
        ),
        ("server without plan", json!({"server_id": server, "payment_method": "wallet"}), "plan_id"),
        ("plan without server", json!({"plan_id": plan, "payment_method": "wallet"}), "server_id"),
        (
            "single quantity 11",
            json!({"server_id": server, "plan_id": plan, "quantity": 11, "payment_method": "wallet"}),
            "quantity",
        ),
        (
            "single quantity 0",
            json!({"server_id": server, "plan_id": plan, "quantity": 0, "payment_method": "wallet"}),
            "quantity",
        ),
        (
            "both forms",
            json!({"items": [line(json!(1))], "server_id": server, "plan_id": plan, "payment_method": "wallet"}),
            "items",
        ),
        (
            "plan of another server",
            json!({"server_id": server, "plan_id": other.plan.id, "payment_method": "wallet"}),
            "plan_id",
        ),
        ("duration 0", json!({"items": [line(json!(1))], "duration": 0, "payment_method": "wallet"}), "duration"),
        ("duration 13", json!({"items": [line(json!(1))], "duration": 13, "payment_method": "wallet"}), "duration"),
        ("currency JPY", json!({"items": [line(json!(1))], "currency": "JPY", "payment_method": "wallet"}), "currency"),
        (
            "notes of 501 characters",
            json!({"items": [line(json!(1))], "notes": "n".repeat(501), "payment_method": "wallet"}),
            "notes",
        ),
        ("items not a list", json!({"items": "plan", "payment_method": "wallet"}), "items"),
        (
            "the same plan in two lines",
            json!({"items": [line(json!(1)), line(json!(2))], "payment_method": "wallet"}),
            "items.1.plan_id",
        ),
    ];
    for (case, body, field) in cases {
        let reply = create(&app, &fresh_customer(), body).await;
        assert_eq!(reply.status, 422, "{case}: {}", reply.body);
        assert_eq!(reply.body["error_code"], "validation_failed", "{case}");
        assert!(!reply.field_errors(field).is_empty(), "{case}: expected an error on {field}, got {}", reply.body);
    }
    let reply = Call::to(&routes::ORDERS_CREATE, &[]).by(&fresh_customer()).raw_body("{not json").send(&app).await;
    assert_eq!((reply.status, reply.error_fields()), (422, vec!["body".to_owned()]));

    // Rules that need the caller's data: a gateway that is not connected yet, a wallet in another currency.
    let buyer = customer(&app.ctx, "100").await;
    let caller = Caller::customer(&buyer);
    let mut stripe = single(&shop, 1);
    stripe["payment_method"] = json!("stripe");
    let reply = create(&app, &caller, stripe).await;
    assert_eq!((reply.status, reply.error_fields()), (422, vec!["payment_method".to_owned()]));
    let mut euros = single(&shop, 1);
    euros["currency"] = json!("EUR");
    let reply = create(&app, &caller, euros).await;
    assert_eq!((reply.status, reply.error_fields()), (422, vec!["currency".to_owned()]));

    // The limits themselves pass: 500 characters of notes, 12 months, 10 lines of 50, the original's field name.
    let mut at_limits = single(&shop, 10);
    at_limits["notes"] = json!("n".repeat(500));
    at_limits["duration"] = json!(12);
    let rich = Caller::customer(&customer(&app.ctx, "100000").await);
    assert_eq!(create(&app, &rich, at_limits).await.status, 201);
    let alias = json!({"items": [{"server_plan_id": plan, "quantity": 1}], "payment_method": "wallet"});
    assert_eq!(create(&app, &rich, alias).await.status, 201);
    // Nothing refused was charged or held.
    assert_eq!(app.ctx.stores.wallets.get(&buyer).await.unwrap().unwrap().balance, dec("100"));
    assert_eq!(app.ctx.stores.catalog.server(&shop.server.id).await.unwrap().unwrap().free_slots, 50 - 11);
}

async fn orders_are_placed_for_the_caller_with_the_right_status_for_each_refusal(app: TestApp) {
    let ctx = &app.ctx;
    let shop = shop_at_list_prices(ctx, 3, "10.00").await;
    let buyer = customer(ctx, "25").await;
    let caller = Caller::customer(&buyer);

    let reply = create(&app, &Caller::Anonymous, single(&shop, 1)).await;
    assert_eq!((reply.status, &reply.body["error_code"]), (401, &json!("unauthenticated")));

    let reply = create(&app, &caller, single(&shop, 2)).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.body["success"], true);
    let order = &reply.body["data"]["order"];
    assert_eq!(order["customer_id"], buyer.as_str());
    assert_eq!((order["order_status"].as_str(), order["payment_status"].as_str()), (Some("new"), Some("paid")));
    assert_eq!(money(&order["grand_amount"]), dec("20"));
    assert_eq!(reply.body["data"]["items"].as_array().unwrap().len(), 1);
    assert_eq!(reply.body["data"]["replayed"], false);
    assert_eq!(ctx.stores.wallets.get(&buyer).await.unwrap().unwrap().balance, dec("5"));
    assert_eq!(ctx.stores.customers.get(&buyer).await.unwrap().unwrap().total_paid, dec("20"), "kept by checkout");

    // A short wallet: 400 with what it would take.
    let reply = create(&app, &caller, single(&shop, 1)).await;
    assert_eq!((reply.status, &reply.body["error_code"]), (400, &json!("insufficient_funds")), "{}", reply.body);
    assert_eq!((money(&reply.body["required_amount"]), money(&reply.body["current_balance"])), (dec("10"), dec("5")));

    // No capacity left: 409.
    let rich = Caller::customer(&customer(ctx, "1000").await);
    let reply = create(&app, &rich, single(&shop, 2)).await;
    assert_eq!((reply.status, &reply.body["error_code"]), (409, &json!("out_of_capacity")), "{}", reply.body);
    assert_eq!(reply.body["server_id"], shop.server.id.as_str());

    // A server that is down: 400 "Server is not available".
    let plan = plan_on_a_down_server(ctx, &shop).await;
    let reply =
        create(&app, &rich, json!({"server_id": plan.server_id, "plan_id": plan.id, "payment_method": "wallet"})).await;
    assert_eq!((reply.status, &reply.body["error_code"]), (400, &json!("server_unavailable")), "{}", reply.body);
    assert_eq!(reply.body["message"], "Server is not available");

    // A token whose customer has no profile (but, say, a wallet) buys nothing: 403 saying to complete sign-up,
    // nothing held or charged.
    let ghost = CustomerId::generate();
    let now = ctx.clock.now();
    let wallet = Wallet { customer_id: ghost.clone(), balance: Decimal::ZERO, currency: "USD".into(), updated_at: now };
    ctx.stores.wallets.open(&wallet).await.unwrap();
    let deposit =
        shared::store::new_wallet_transaction(&ghost, TransactionType::Deposit, dec("50"), "dep-ghost", "t", now);
    ctx.stores.wallets.apply(&deposit, now).await.unwrap();
    let reply = create(&app, &Caller::customer(&ghost), single(&shop, 1)).await;
    assert_eq!((reply.status, &reply.body["error_code"]), (403, &json!("profile_missing")), "{}", reply.body);
    assert!(reply.body["message"].as_str().unwrap().contains("sign-up"), "{}", reply.body);
    assert_eq!(ctx.stores.wallets.get(&ghost).await.unwrap().unwrap().balance, dec("50"));
    assert!(ctx.stores.customers.get(&ghost).await.unwrap().is_none(), "no partial profile is created");

    // Errors never leak internals and always carry the envelope.
    for field in ["request_id", "timestamp", "message"] {
        assert!(reply.body[field].is_string(), "{field}");
    }
}

async fn an_idempotency_key_header_replays_the_first_order(app: TestApp) {
    let ctx = &app.ctx;
    let shop = shop_at_list_prices(ctx, 10, "10.00").await;
    let buyer = customer(ctx, "15").await;
    let caller = Caller::customer(&buyer);
    let send = |key: &str| {
        Call::to(&routes::ORDERS_CREATE, &[]).by(&caller).json(single(&shop, 1)).header("Idempotency-Key", key)
    };

    let first = send("checkout-1").send(&app).await;
    assert_eq!((first.status, &first.body["data"]["replayed"]), (201, &json!(false)));
    // The wallet can no longer pay for a second one; the retry gets the first order back.
    let retry = send("checkout-1").send(&app).await;
    assert_eq!((retry.status, &retry.body["data"]["replayed"]), (201, &json!(true)), "{}", retry.body);
    assert_eq!(retry.body["data"]["order"], first.body["data"]["order"]);
    // The same key for a different order is a mistake, not a retry: refused, nothing placed.
    let changed = Call::to(&routes::ORDERS_CREATE, &[])
        .by(&caller)
        .json(single(&shop, 2))
        .header("Idempotency-Key", "checkout-1")
        .send(&app)
        .await;
    assert_eq!((changed.status, &changed.body["error_code"]), (422, &json!("idempotency_key_reused")));
    let (orders, _) = ctx.stores.orders.of_customer(&buyer, 10, None).await.unwrap();
    assert_eq!(orders.len(), 1);
    assert_eq!(ctx.stores.wallets.get(&buyer).await.unwrap().unwrap().balance, dec("5"));
    // Keys belong to their customer: someone else's identical key is a new order.
    let other = Caller::customer(&customer(ctx, "15").await);
    let theirs = Call::to(&routes::ORDERS_CREATE, &[])
        .by(&other)
        .json(single(&shop, 1))
        .header("Idempotency-Key", "checkout-1")
        .send(&app)
        .await;
    assert_eq!((theirs.status, &theirs.body["data"]["replayed"]), (201, &json!(false)));
    assert_ne!(theirs.body["data"]["order"]["id"], first.body["data"]["order"]["id"]);

    for bad in ["has space", &"k".repeat(256)] {
        let reply = send(bad).send(&app).await;
        assert_eq!((reply.status, &reply.body["error_code"]), (400, &json!("invalid_idempotency_key")), "{bad}");
    }
}

async fn the_caller_pages_through_their_own_orders_newest_first(app: TestApp) {
    let ctx = &app.ctx;
    let shop = shop_at_list_prices(ctx, 20, "1.00").await;
    let buyer = customer(ctx, "100").await;
    let caller = Caller::customer(&buyer);
    let mut placed = Vec::new();
    for _ in 0..5 {
        let reply = create(&app, &caller, single(&shop, 1)).await;
        assert_eq!(reply.status, 201);
        placed.push(reply.body["data"]["order"]["id"].as_str().unwrap().to_owned());
        app.clock.advance(chrono::Duration::seconds(1));
    }
    // Someone else's orders never show up.
    let other = customer(ctx, "100").await;
    assert_eq!(create(&app, &Caller::customer(&other), single(&shop, 1)).await.status, 201);

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let query = match &cursor {
            Some(c) => format!("limit=2&cursor={c}"),
            None => "limit=2".to_owned(),
        };
        let reply = Call::to(&routes::ORDERS_LIST, &[]).by(&caller).query(&query).send(&app).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        pages += 1;
        let orders = reply.body["data"]["orders"].as_array().unwrap();
        assert!(orders.len() <= 2);
        seen.extend(orders.iter().map(|o| o["id"].as_str().unwrap().to_owned()));
        match reply.body["data"]["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
        assert!(pages < 10, "the cursor must end");
    }
    placed.reverse();
    assert_eq!(seen, placed, "every order once, newest first");

    // The default page holds them all; a bad limit or a cursor of someone else's list is a 422.
    let reply = Call::to(&routes::ORDERS_LIST, &[]).by(&caller).send(&app).await;
    assert_eq!(reply.body["data"]["orders"].as_array().unwrap().len(), 5);
    for limit in ["0", "101", "ten"] {
        let reply = Call::to(&routes::ORDERS_LIST, &[]).by(&caller).query(&format!("limit={limit}")).send(&app).await;
        assert_eq!((reply.status, reply.error_fields()), (422, vec!["limit".to_owned()]), "limit={limit}");
    }
    let first_page = Call::to(&routes::ORDERS_LIST, &[]).by(&caller).query("limit=1").send(&app).await;
    let my_cursor = first_page.body["data"]["next_cursor"].as_str().unwrap().to_owned();
    let reply = Call::to(&routes::ORDERS_LIST, &[])
        .by(&Caller::customer(&other))
        .query(&format!("cursor={my_cursor}"))
        .send(&app)
        .await;
    assert_eq!((reply.status, reply.error_fields()), (422, vec!["cursor".to_owned()]));
    let reply = Call::to(&routes::ORDERS_LIST, &[]).by(&caller).query("cursor=bm90LWEtY3Vyc29y").send(&app).await;
    assert_eq!((reply.status, reply.error_fields()), (422, vec!["cursor".to_owned()]));
}

/// Runs the provisioning worker over the `high` queue until it is empty.
async fn provision_all(app: &TestApp) {
    integration_tests::drain(app, Priority::High).await;
}

async fn an_order_is_shown_only_to_its_customer(app: TestApp) {
    let ctx = &app.ctx;
    let shop = shop_at_list_prices(ctx, 10, "10.00").await;
    let buyer = customer(ctx, "100").await;
    let caller = Caller::customer(&buyer);
    let created = create(&app, &caller, single(&shop, 2)).await;
    let id = created.body["data"]["order"]["id"].as_str().unwrap().to_owned();

    let reply = Call::to(&routes::ORDERS_GET, &[&id]).by(&caller).send(&app).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["data"]["order"], created.body["data"]["order"]);
    assert_eq!(reply.body["data"]["items"], created.body["data"]["items"]);
    assert_eq!(reply.body["data"]["clients"], json!([]), "nothing provisioned yet");

    // Someone else's order and a missing one are the same 404.
    let stranger = Caller::customer(&customer(ctx, "0").await);
    let theirs = Call::to(&routes::ORDERS_GET, &[&id]).by(&stranger).send(&app).await;
    let missing = Call::to(&routes::ORDERS_GET, &[&OrderId::generate().to_string()]).by(&caller).send(&app).await;
    for reply in [&theirs, &missing] {
        assert_eq!((reply.status, &reply.body["error_code"]), (404, &json!("not_found")));
        assert_eq!(reply.body["message"], "Order not found.");
    }

    provision_all(&app).await;
    let reply = Call::to(&routes::ORDERS_GET, &[&id]).by(&caller).send(&app).await;
    assert_eq!(reply.body["data"]["order"]["order_status"], "completed");
    let clients = reply.body["data"]["clients"].as_array().unwrap();
    assert_eq!(clients.len(), 2);
    assert!(clients.iter().all(|c| c["customer_id"] == buyer.as_str() && c["is_active"] == true));
}

async fn cancelling_refunds_releases_capacity_and_gives_the_coupon_back(app: TestApp) {
    let ctx = &app.ctx;
    let shop = shop_at_list_prices(ctx, 5, "20.00").await;
    ctx.stores
        .coupons
        .create(&Coupon {
            usage_limit: Some(1),
            single_use_per_customer: true,
            ..Coupon::new("ONCE10", DiscountKind::Percent, dec("10"))
        })
        .await
        .unwrap();
    let buyer = customer(ctx, "100").await;
    let caller = Caller::customer(&buyer);
    app.clock.advance(chrono::Duration::seconds(1));
    let mut body = single(&shop, 2);
    body["coupon_code"] = json!("once10");
    let created = create(&app, &caller, body.clone()).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(money(&created.body["data"]["order"]["grand_amount"]), dec("36"));
    let id = created.body["data"]["order"]["id"].as_str().unwrap().to_owned();
    assert_eq!(ctx.stores.wallets.get(&buyer).await.unwrap().unwrap().balance, dec("64"));

    // Each step a second later, so the wallet's history has one order.
    app.clock.advance(chrono::Duration::seconds(1));
    let stranger = Caller::customer(&customer(ctx, "0").await);
    let reply = Call::to(&routes::ORDERS_CANCEL, &[&id]).by(&stranger).send(&app).await;
    assert_eq!(reply.status, 404, "someone else's order cannot be cancelled, or even seen");

    let reply = Call::to(&routes::ORDERS_CANCEL, &[&id]).by(&caller).send(&app).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let order = &reply.body["data"]["order"];
    assert_eq!(
        (order["order_status"].as_str(), order["payment_status"].as_str()),
        (Some("cancelled"), Some("refunded"))
    );
    let refund = &reply.body["data"]["refund"];
    assert_eq!((refund["kind"].as_str(), money(&refund["amount"])), (Some("refund"), dec("36")), "{refund}");

    // The money, the capacity and the coupon are back; the order reads as cancelled.
    assert_eq!(ctx.stores.wallets.get(&buyer).await.unwrap().unwrap().balance, dec("100"));
    let server = ctx.stores.catalog.server(&shop.server.id).await.unwrap().unwrap();
    assert_eq!((server.free_slots, server.held_clients, server.active_clients), (5, 0, 0));
    assert_eq!(ctx.stores.coupons.get("ONCE10").await.unwrap().unwrap().used_count, 0);
    assert_eq!(ctx.stores.customers.get(&buyer).await.unwrap().unwrap().total_paid, Decimal::ZERO);
    let stored = ctx.stores.orders.get(&OrderId(id.clone())).await.unwrap().unwrap();
    assert_eq!(stored.order_status, OrderStatus::Cancelled);

    // A second cancel is refused, and refunds nothing.
    let reply = Call::to(&routes::ORDERS_CANCEL, &[&id]).by(&caller).send(&app).await;
    assert_eq!((reply.status, &reply.body["error_code"]), (409, &json!("not_cancellable")));
    assert_eq!(ctx.stores.wallets.get(&buyer).await.unwrap().unwrap().balance, dec("100"));

    // The single-use coupon can be used again; once provisioned, that order can no longer be cancelled.
    app.clock.advance(chrono::Duration::seconds(1));
    let again = create(&app, &caller, body).await;
    assert_eq!(again.status, 201, "{}", again.body);
    let id = again.body["data"]["order"]["id"].as_str().unwrap().to_owned();
    provision_all(&app).await;
    let reply = Call::to(&routes::ORDERS_CANCEL, &[&id]).by(&caller).send(&app).await;
    assert_eq!((reply.status, &reply.body["order_status"]), (409, &json!("completed")), "{}", reply.body);
    assert_eq!(ctx.stores.wallets.get(&buyer).await.unwrap().unwrap().balance, dec("64"));
    // The refund reached the wallet's history.
    let reply = Call::to(&routes::WALLET_GET, &[]).by(&caller).send(&app).await;
    let kinds: Vec<&str> =
        reply.body["data"]["transactions"].as_array().unwrap().iter().map(|t| t["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["debit", "refund", "debit", "deposit"]);
}

async fn order_creation_is_limited_to_ten_a_minute(app: TestApp) {
    let shop = shop_at_list_prices(&app.ctx, 50, "1.00").await;
    let caller = Caller::customer(&customer(&app.ctx, "100").await);
    for n in 1..=10 {
        let reply = create(&app, &caller, single(&shop, 1)).await;
        assert_eq!(reply.status, 201, "order {n}: {}", reply.body);
        assert_eq!(reply.header("x-ratelimit-limit"), Some("10"));
        assert_eq!(reply.header("x-ratelimit-remaining"), Some((10 - n).to_string().as_str()));
    }
    // The clock stands 30 s into the minute: the 11th waits out the other 30.
    app.clock.advance(chrono::Duration::seconds(30));
    let reply = create(&app, &caller, single(&shop, 1)).await;
    assert_eq!((reply.status, &reply.body["error_code"]), (429, &json!("too_many_requests")));
    assert_eq!(reply.header("retry-after"), Some("30"));
    assert!(reply.body["request_id"].is_string());
    // A refused call holds nothing; another customer is not affected; the next minute is open again.
    assert_eq!(app.ctx.stores.catalog.server(&shop.server.id).await.unwrap().unwrap().free_slots, 40);
    let other = Caller::customer(&customer(&app.ctx, "100").await);
    assert_eq!(create(&app, &other, single(&shop, 1)).await.status, 201);
    app.clock.advance(chrono::Duration::seconds(30));
    assert_eq!(create(&app, &caller, single(&shop, 1)).await.status, 201);
}

async fn the_api_is_limited_to_sixty_calls_a_minute_per_customer(app: TestApp) {
    let buyer = customer(&app.ctx, "10").await;
    let caller = Caller::customer(&buyer);
    for n in 1..=60 {
        let reply = Call::to(&routes::WALLET_GET, &[]).by(&caller).send(&app).await;
        assert_eq!(reply.status, 200, "call {n}");
    }
    // Any customer endpoint shares the budget.
    let reply = Call::to(&routes::ORDERS_LIST, &[]).by(&caller).send(&app).await;
    assert_eq!((reply.status, reply.header("retry-after")), (429, Some("60")));
    let reply = Call::to(&routes::WALLET_GET, &[]).by(&caller).send(&app).await;
    assert_eq!(reply.status, 429);
    // Admin endpoints are not customer-limited.
    let admin = Caller::Admin("ops-1".into());
    let reply = Call::to(&routes::WALLET_CREDIT, &[buyer.as_str()])
        .by(&admin)
        .json(json!({"amount": "5", "reason": "goodwill"}))
        .send(&app)
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    app.clock.advance(chrono::Duration::seconds(60));
    assert_eq!(Call::to(&routes::WALLET_GET, &[]).by(&caller).send(&app).await.status, 200);
}
