//! Pricing through its handlers, on both backends: the customer's quote with every factor and discount, the
//! order that charges exactly that quote, coupons refused with their reason, the admin's view, and the rules
//! document — validated, versioned, guarded against concurrent edits and rolled back.

use chrono::Duration;
use integration_tests::TestApp;
use integration_tests::api::{Call, Caller, Reply, money};
use integration_tests::fixtures::{Shop, customer, dec, shop};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use shared::domain::*;
use shared::pricing::PricingRules;
use shared::routes;

integration_tests::on_both_backends!(
    a_quote_explains_every_factor_and_checkout_charges_exactly_it,
    a_coupon_that_cannot_apply_is_refused_with_its_reason,
    rules_are_validated_versioned_guarded_and_rolled_back,
    the_admin_view_prices_every_plan_and_lists_promotions_in_force,
    demand_is_read_from_the_daily_counters,
    a_quote_needs_a_profile_and_a_valid_cart,
    an_order_confirming_a_stale_price_is_refused_not_charged,
    concurrent_first_orders_get_the_first_order_offer_once,
    promotions_are_validated_created_honoured_at_once_and_ended,
);

fn admin() -> Caller {
    Caller::Admin("ops-admin".into())
}

async fn quote(app: &TestApp, caller: &Caller, body: Value) -> Reply {
    Call::to(&routes::PRICING_QUOTE, &[]).by(caller).json(body).send(app).await
}

fn cart(shop: &Shop, quantity: u32, duration: u32) -> Value {
    json!({"items": [{"plan_id": shop.plan.id, "quantity": quantity}], "duration": duration})
}

fn factor<'a>(line: &'a Value, name: &str) -> &'a Value {
    line["dynamic"]["factors"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["name"] == name))
        .unwrap_or_else(|| panic!("no {name} factor in {line}"))
}

fn coupon(code: &str, kind: DiscountKind, value: &str, min_order: &str, single_use: bool) -> Coupon {
    Coupon {
        min_order: dec(min_order),
        usage_limit: Some(100),
        single_use_per_customer: single_use,
        ..Coupon::new(code, kind, dec(value))
    }
}

async fn a_quote_explains_every_factor_and_checkout_charges_exactly_it(app: TestApp) {
    // The test clock stands on Tuesday 2026-11-24 at 12:00 UTC.
    let shop = shop(&app.ctx, 50, "10.00").await;
    let buyer_id = customer(&app.ctx, "500").await;
    let buyer = Caller::customer(&buyer_id);
    let reply = quote(&app, &buyer, cart(&shop, 2, 3)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let q = &reply.body["data"]["quote"];
    let line = &q["lines"][0];
    let expected = [
        ("demand", "1", "no orders in the last 30 days"),
        ("capacity", "0.9", "0 of 50 slots in use, below 30 %"),
        ("time", "1.1", "tue 12h UTC is within 09h-18h on mon, tue, wed, thu, fri"),
        ("season", "1.1", "month 11 is in season"),
        ("geography", "1", "no location price for DE; the customer's country is not known"),
        ("competition", "1", "no reference price for datacenter plans"),
    ];
    for (name, multiplier, reason) in expected {
        let f = factor(line, name);
        assert_eq!(money(&f["multiplier"]), dec(multiplier), "{name}");
        assert_eq!(f["reason"], reason, "{name}");
    }
    // 10.00 x (1 - 0.1 + 0.1 + 0.1) = 11.00 a month; 3 months; 2 clients.
    assert_eq!(money(&line["dynamic"]["unit_price"]), dec("11.00"));
    assert_eq!(money(&line["unit_amount"]), dec("33.00"));
    assert_eq!(money(&q["subtotal"]), dec("66.00"));
    // New customer 15 % and quarterly billing 10 % of the subtotal: 9.90 + 6.60, under the 30 % cap.
    let kinds: Vec<(&str, Decimal)> = q["adjustments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["kind"].as_str().unwrap(), money(&a["amount"])))
        .collect();
    assert_eq!(kinds, vec![("new_customer", dec("-9.90")), ("subscription", dec("-6.60"))]);
    assert_eq!(money(&q["total"]), dec("49.50"));
    assert_eq!(q["loyalty"]["next_tier"]["tier"], "bronze");
    assert_eq!(reply.body["data"]["availability"][0]["available"], true);

    let mut order = cart(&shop, 2, 3);
    order["payment_method"] = json!("wallet");
    let placed = Call::to(&routes::ORDERS_CREATE, &[]).by(&buyer).json(order).send(&app).await;
    assert_eq!(placed.status, 201, "{}", placed.body);
    let charged = &placed.body["data"]["order"];
    assert_eq!(money(&charged["grand_amount"]), money(&q["total"]), "checkout charges the quote");
    assert_eq!(money(&charged["subtotal"]), money(&q["subtotal"]));
    assert_eq!(money(&charged["discount"]), money(&q["discount"]));
    assert_eq!(money(&placed.body["data"]["items"][0]["unit_amount"]), dec("33.00"));
    let id = charged["id"].as_str().unwrap();
    let detail = Call::to(&routes::ORDERS_GET, &[id]).by(&buyer).send(&app).await;
    assert_eq!(detail.body["data"]["quote"], *q, "the order keeps the quote it was charged by");
    let wallet = app.ctx.stores.wallets.get(&buyer_id).await.unwrap().unwrap();
    assert_eq!(wallet.balance, dec("450.50"));
}

async fn a_coupon_that_cannot_apply_is_refused_with_its_reason(app: TestApp) {
    let shop = shop(&app.ctx, 50, "10.00").await;
    let buyer = Caller::customer(&customer(&app.ctx, "500").await);
    app.ctx.stores.coupons.create(&coupon("BIG100", DiscountKind::Fixed, "5", "100", false)).await.unwrap();
    app.ctx.stores.coupons.create(&coupon("ONCE", DiscountKind::Percent, "10", "0", true)).await.unwrap();

    let mut small = cart(&shop, 1, 1);
    small["coupon_code"] = json!("big100");
    let refused = quote(&app, &buyer, small).await;
    assert_eq!(refused.status, 422);
    assert_eq!(refused.field_errors("coupon_code"), vec!["requires an order of at least 100"]);

    let mut big = cart(&shop, 10, 1);
    big["coupon_code"] = json!("BIG100");
    let applied = quote(&app, &buyer, big).await;
    assert_eq!(applied.status, 200, "{}", applied.body);
    let last = applied.body["data"]["quote"]["adjustments"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["kind"].as_str(), money(&last["amount"])), (Some("coupon"), dec("-5")));

    let mut once = cart(&shop, 1, 1);
    once["coupon_code"] = json!("ONCE");
    assert_eq!(quote(&app, &buyer, once.clone()).await.status, 200);
    let mut order = once.clone();
    order["payment_method"] = json!("wallet");
    assert_eq!(Call::to(&routes::ORDERS_CREATE, &[]).by(&buyer).json(order).send(&app).await.status, 201);
    let again = quote(&app, &buyer, once).await;
    assert_eq!(again.status, 422);
    assert_eq!(again.field_errors("coupon_code"), vec!["has already been used by you"]);

    let mut unknown = cart(&shop, 1, 1);
    unknown["coupon_code"] = json!("NOPE");
    assert_eq!(quote(&app, &buyer, unknown).await.field_errors("coupon_code"), vec!["is not a valid coupon"]);
}

fn rules_json(rules: &PricingRules) -> Value {
    serde_json::to_value(rules).unwrap()
}

async fn rules_are_validated_versioned_guarded_and_rolled_back(app: TestApp) {
    let shop = shop(&app.ctx, 50, "10.00").await;
    let buyer = Caller::customer(&customer(&app.ctx, "500").await);
    let price = |reply: &Reply| money(&reply.body["data"]["quote"]["lines"][0]["dynamic"]["unit_price"]);
    assert_eq!(price(&quote(&app, &buyer, cart(&shop, 1, 1)).await), dec("11.00"), "the defaults");

    let publish = |body: Value| Call::to(&routes::PRICING_RULES_UPDATE, &[]).by(&admin()).json(body);
    let mut broken = rules_json(&PricingRules::default());
    broken["discount_cap_percent"] = json!("120");
    broken["bulk"]["tiers"][1]["min_quantity"] = json!(5);
    broken["subscription"]["cycles"][0]["months"] = json!(0);
    let refused = publish(json!({"rules": broken, "base_version": 0})).send(&app).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    for field in ["rules.discount_cap_percent", "rules.bulk.tiers.1.min_quantity", "rules.subscription.cycles.0.months"]
    {
        assert!(!refused.field_errors(field).is_empty(), "{field}: {}", refused.body);
    }
    let mut unknown_field = rules_json(&PricingRules::default());
    unknown_field["dynamic"]["surge"] = json!("3");
    assert_eq!(
        publish(json!({"rules": unknown_field, "base_version": 0})).send(&app).await.status,
        422,
        "a misspelt rule is refused"
    );
    let unversioned = publish(json!({"rules": rules_json(&PricingRules::default())})).send(&app).await;
    assert_eq!(unversioned.status, 422, "the version a change is based on is required");

    let mut flat = PricingRules::default();
    flat.dynamic.enabled = false;
    let first =
        publish(json!({"rules": rules_json(&flat), "note": "no surge pricing", "base_version": 0})).send(&app).await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(
        (first.body["data"]["version"].as_u64(), first.body["data"]["author"].as_str()),
        (Some(1), Some("ops-admin"))
    );
    // A publish forgets this instance's cached rules; other instances see it within `RULES_TTL` (30 s).
    assert_eq!(
        price(&quote(&app, &buyer, cart(&shop, 1, 1)).await),
        dec("10.00"),
        "this instance applies them at once"
    );

    let stale = publish(json!({"rules": rules_json(&PricingRules::default()), "base_version": 0})).send(&app).await;
    assert_eq!((stale.status, stale.body["error_code"].as_str()), (409, Some("rules_changed")));
    assert_eq!(stale.body["active_version"], 1);
    assert_eq!(stale.body["message"], "Version 1 was published after version 0; review it and try again.");
    let ahead = publish(json!({"rules": rules_json(&PricingRules::default()), "base_version": 99})).send(&app).await;
    assert_eq!((ahead.status, ahead.body["error_code"].as_str()), (409, Some("rules_changed")));
    assert_eq!(
        ahead.body["message"], "Version 99 was never published: version 1 is the latest; base the change on it.",
        "says what is wrong, not that 1 came after 99"
    );

    app.clock.advance(Duration::minutes(1));
    let rollback =
        Call::to(&routes::PRICING_RULES_ROLLBACK, &[]).by(&admin()).json(json!({"version": 0})).send(&app).await;
    assert_eq!(rollback.status, 201, "{}", rollback.body);
    assert_eq!(rollback.body["data"]["version"], 2);
    assert_eq!(rollback.body["data"]["note"], "rollback to version 0");
    assert_eq!(rollback.body["data"]["rules"], rules_json(&PricingRules::default()));
    assert_eq!(price(&quote(&app, &buyer, cart(&shop, 1, 1)).await), dec("11.00"));
    let missing =
        Call::to(&routes::PRICING_RULES_ROLLBACK, &[]).by(&admin()).json(json!({"version": 9})).send(&app).await;
    assert_eq!(missing.field_errors("version"), vec!["9 is not a published version"]);

    let page = Call::to(&routes::PRICING_RULES_VERSIONS, &[]).by(&admin()).query("limit=1").send(&app).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.body["data"]["active_version"], 2);
    assert_eq!(page.body["data"]["versions"][0]["version"], 2, "newest first");
    let cursor = page.body["data"]["next_cursor"].as_str().expect("a second page").to_owned();
    let next = Call::to(&routes::PRICING_RULES_VERSIONS, &[])
        .by(&admin())
        .query(&format!("limit=1&cursor={cursor}"))
        .send(&app)
        .await;
    assert_eq!(next.body["data"]["versions"][0]["version"], 1);
    assert_eq!(next.body["data"]["versions"][0]["note"], "no surge pricing");
    let overview = Call::to(&routes::PRICING_GET, &[]).by(&admin()).send(&app).await;
    assert_eq!(overview.body["data"]["active"]["version"], 2);
}

async fn the_admin_view_prices_every_plan_and_lists_promotions_in_force(app: TestApp) {
    let shop = shop(&app.ctx, 10, "10.00").await;
    let now = app.ctx.clock.now();
    app.ctx.stores.coupons.create(&coupon("LIVE", DiscountKind::Percent, "10", "0", false)).await.unwrap();
    let mut expired = coupon("GONE", DiscountKind::Fixed, "5", "0", false);
    expired.ends_at = Some(now - Duration::days(1));
    app.ctx.stores.coupons.create(&expired).await.unwrap();
    let buyer = Caller::customer(&customer(&app.ctx, "500").await);
    let mut order = cart(&shop, 8, 1);
    order["payment_method"] = json!("wallet");
    order["coupon_code"] = json!("LIVE");
    assert_eq!(Call::to(&routes::ORDERS_CREATE, &[]).by(&buyer).json(order).send(&app).await.status, 201);

    let reply = Call::to(&routes::PRICING_GET, &[]).by(&admin()).send(&app).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let data = &reply.body["data"];
    assert_eq!(data["active"]["version"], 0, "the built-in defaults until a version is published");
    let plan = data["plans"].as_array().unwrap().iter().find(|p| p["plan_id"] == shop.plan.id.as_str()).unwrap();
    // 8 of 10 slots held: above 70 %, so capacity is 1.1; with time and season, 10 x 1.3.
    assert_eq!(money(&factor_of(plan, "capacity")["multiplier"]), dec("1.1"));
    assert_eq!(money(&plan["price"]), dec("13.00"));
    assert_eq!(data["plans"][0]["factors"].as_array().unwrap().len(), 6);
    let promotions = data["promotions"].as_array().unwrap();
    let codes: Vec<&str> = promotions.iter().map(|p| p["code"].as_str().unwrap()).collect();
    assert_eq!(codes, vec!["LIVE"], "an expired coupon is not in force");
    assert_eq!((promotions[0]["used_count"].as_u64(), promotions[0]["uses_left"].as_u64()), (Some(1), Some(99)));
    assert_eq!(data["bulk"]["discount_cap_percent"], "30");
    assert_eq!(data["subscription_cycles"].as_array().unwrap().len(), 4);
}

fn factor_of<'a>(plan: &'a Value, name: &str) -> &'a Value {
    plan["factors"].as_array().unwrap().iter().find(|f| f["name"] == name).unwrap()
}

async fn demand_is_read_from_the_daily_counters(app: TestApp) {
    let shop = shop(&app.ctx, 50, "10.00").await;
    let now = app.ctx.clock.now();
    let fact = |days_ago: i64| OrderFact {
        order_id: OrderId::generate(),
        customer_id: CustomerId::generate(),
        placed_at: now - Duration::days(days_ago),
        grand_amount: dec("10"),
        currency: "USD".into(),
        lines: vec![OrderFactLine {
            plan_id: shop.plan.id.clone(),
            server_id: shop.server.id.clone(),
            quantity: 1,
            total_amount: dec("10"),
        }],
        payment_method: PaymentMethod::Wallet,
        duration_months: 1,
        ends_at: None,
        cancelled_at: None,
    };
    // 3 orders this week, 1 three weeks ago, 1 outside the 30 days.
    for days_ago in [0, 2, 6, 20, 40] {
        assert!(app.ctx.stores.stats.record_order(&fact(days_ago)).await.unwrap());
    }
    let demand = app.ctx.stores.stats.demand(&shop.plan.id, now.date_naive()).await.unwrap();
    assert_eq!((demand.last_7_days, demand.last_30_days), (3, 4));

    let buyer = Caller::customer(&customer(&app.ctx, "500").await);
    let reply = quote(&app, &buyer, cart(&shop, 1, 1)).await;
    let line = &reply.body["data"]["quote"]["lines"][0];
    // 3 against 4 x 7 / 30 = 0.93 a week: 1 + (3.21 - 1) x 0.2 = 1.44, held at the 1.3 maximum.
    let demand = factor(line, "demand");
    assert_eq!(money(&demand["multiplier"]), dec("1.3"));
    assert_eq!(demand["reason"], "3 orders in the last 7 days against 0.9 in an average week of the last 30");
}

async fn a_quote_needs_a_profile_and_a_valid_cart(app: TestApp) {
    let shop = shop(&app.ctx, 50, "10.00").await;
    let stranger = Caller::customer(&CustomerId::generate());
    let reply = quote(&app, &stranger, cart(&shop, 1, 1)).await;
    assert_eq!((reply.status, reply.body["error_code"].as_str()), (403, Some("profile_missing")), "{}", reply.body);
    let buyer = Caller::customer(&customer(&app.ctx, "0").await);
    let cases = [
        (json!({}), "items"),
        (json!({"items": [{"plan_id": "nope", "quantity": 1}]}), "items.0.plan_id"),
        (json!({"items": [{"plan_id": shop.plan.id, "quantity": 51}]}), "items.0.quantity"),
        (json!({"items": [{"plan_id": shop.plan.id, "quantity": 1}], "duration": 0}), "duration"),
        (json!({"items": [{"plan_id": shop.plan.id, "quantity": 1}], "duration": 13}), "duration"),
        (json!({"server_id": "elsewhere", "plan_id": shop.plan.id}), "plan_id"),
    ];
    for (body, field) in cases {
        let reply = quote(&app, &buyer, body.clone()).await;
        assert_eq!(reply.status, 422, "{body}: {}", reply.body);
        assert!(!reply.field_errors(field).is_empty(), "{body}: {field} in {}", reply.body);
    }
    // An empty wallet still gets a price: a quote is not an order.
    assert_eq!(quote(&app, &buyer, cart(&shop, 1, 1)).await.status, 200);
}

async fn an_order_confirming_a_stale_price_is_refused_not_charged(app: TestApp) {
    let shop = shop(&app.ctx, 50, "10.00").await;
    let id = customer(&app.ctx, "500").await;
    let buyer = Caller::customer(&id);
    let quoted = money(&quote(&app, &buyer, cart(&shop, 1, 1)).await.body["data"]["quote"]["total"]);
    // The business window closes (Tuesday 18:00): the time factor no longer applies.
    app.clock.advance(Duration::hours(6));
    let mut order = cart(&shop, 1, 1);
    order["payment_method"] = json!("wallet");
    order["expected_total"] = json!(quoted.to_string());
    let refused = Call::to(&routes::ORDERS_CREATE, &[]).by(&buyer).json(order.clone()).send(&app).await;
    assert_eq!((refused.status, refused.body["error_code"].as_str()), (409, Some("price_changed")), "{}", refused.body);
    assert_eq!(money(&refused.body["expected_total"]), quoted);
    let current = money(&refused.body["current_total"]);
    assert!(current < quoted, "{current} is the price outside business hours");
    assert_eq!(app.ctx.stores.wallets.get(&id).await.unwrap().unwrap().balance, dec("500"), "nothing was charged");
    order["expected_total"] = json!(current.to_string());
    let placed = Call::to(&routes::ORDERS_CREATE, &[]).by(&buyer).json(order).send(&app).await;
    assert_eq!(placed.status, 201, "{}", placed.body);
    assert_eq!(money(&placed.body["data"]["order"]["grand_amount"]), current);
    let mut negative = cart(&shop, 1, 1);
    negative["payment_method"] = json!("wallet");
    negative["expected_total"] = json!("-1");
    let invalid = Call::to(&routes::ORDERS_CREATE, &[]).by(&buyer).json(negative).send(&app).await;
    assert_eq!(invalid.status, 422);
    assert!(!invalid.field_errors("expected_total").is_empty());
}

async fn concurrent_first_orders_get_the_first_order_offer_once(app: TestApp) {
    let shop = shop(&app.ctx, 50, "10.00").await;
    let id = customer(&app.ctx, "1000").await;
    let buyer = Caller::customer(&id);
    let mut order = cart(&shop, 1, 1);
    order["payment_method"] = json!("wallet");
    let attempts = (0..6).map(|i| {
        Call::to(&routes::ORDERS_CREATE, &[])
            .by(&buyer)
            .json(order.clone())
            .header("Idempotency-Key", &format!("first-{i}"))
            .send(&app)
    });
    let replies = futures_util::future::join_all(attempts).await;
    let mut offers = 0;
    for reply in &replies {
        match reply.status {
            201 => {
                let order_id = reply.body["data"]["order"]["id"].as_str().unwrap();
                let quote = app.ctx.stores.orders.quote(&OrderId(order_id.into())).await.unwrap().unwrap();
                offers +=
                    quote.adjustments.iter().filter(|a| a.kind == shared::pricing::AdjustmentKind::NewCustomer).count();
            }
            409 => assert_eq!(reply.body["error_code"], "price_changed", "{}", reply.body),
            other => panic!("unexpected {other}: {}", reply.body),
        }
    }
    assert_eq!(offers, 1, "the first-order offer is given once, however many first orders race");
    let paid: Decimal = {
        let mut sum = Decimal::ZERO;
        for reply in replies.iter().filter(|r| r.status == 201) {
            sum += money(&reply.body["data"]["order"]["grand_amount"]);
        }
        sum
    };
    let profile = app.ctx.stores.customers.get(&id).await.unwrap().unwrap();
    assert_eq!(profile.total_paid, paid, "the paid total is the sum of the orders placed");
}

/// An admin creates a promotion limited to one plan: refused per field when broken, 409 for a taken code (two
/// admins at once: one wins), honoured by the next quote and checkout on that plan's lines only, its use live in
/// the list, and ended: the next quote refuses it; ending it again changes nothing.
async fn promotions_are_validated_created_honoured_at_once_and_ended(app: TestApp) {
    use integration_tests::fixtures::shop_at_list_prices;
    let ctx = &app.ctx;
    let frankfurt = shop_at_list_prices(ctx, 50, "10.00").await;
    let paris = Server { id: ServerId::generate(), location: "Paris".into(), ..frankfurt.server.clone() };
    ctx.stores.catalog.create_server(&paris).await.unwrap();
    let other = Plan { id: PlanId::generate(), server_id: paris.id.clone(), ..frankfurt.plan.clone() };
    ctx.stores.catalog.create_plan(&other).await.unwrap();
    let buyer = Caller::customer(&customer(ctx, "500").await);
    let create = |body: Value| Call::to(&routes::PRICING_PROMOTION_CREATE, &[]).by(&admin()).json(body).send(&app);

    let broken = create(json!({
        "code": "x", "kind": "percent", "value": "150", "min_order": "-1", "usage_limit": 0,
        "ends_at": "2020-01-01T00:00:00Z", "plans": ["nope"], "locations": ["Atlantis"],
    }))
    .await;
    assert_eq!(broken.status, 422, "{}", broken.body);
    for field in ["code", "value", "min_order", "usage_limit", "ends_at", "plans.0", "locations.0"] {
        assert!(!broken.field_errors(field).is_empty(), "{field}: {}", broken.body);
    }
    assert_eq!(create(json!({"code": "ABC", "kind": "gift", "value": "1"})).await.status, 422);
    assert_eq!(create(json!({"code": "ABC", "kind": "fixed", "value": "1.001"})).await.field_errors("value").len(), 1);

    let spring =
        json!({"code": "spring-10", "kind": "percent", "value": "10", "usage_limit": 5, "plans": [frankfurt.plan.id]});
    let created = integration_tests::race([create(spring.clone()), create(spring.clone())]).await;
    let mut statuses: Vec<u16> = created.iter().map(|r| r.status).collect();
    statuses.sort();
    assert_eq!(statuses, [201, 409], "two admins, one code");
    let conflict = created.iter().find(|r| r.status == 409).unwrap();
    assert_eq!(conflict.body["error_code"], "promotion_exists");
    let made = &created.iter().find(|r| r.status == 201).unwrap().body["data"];
    assert_eq!((made["code"].as_str(), made["state"].as_str()), (Some("SPRING-10"), Some("in_force")));
    assert_eq!(made["created_by"], "ops-admin");

    // Honoured at once, on the plan it names only: 10 % of that line's 10.00 in either cart.
    let coupon_off = |reply: &Reply| {
        let adjustments = reply.body["data"]["quote"]["adjustments"].as_array().unwrap().clone();
        adjustments.iter().find(|a| a["kind"] == "coupon").map(|a| money(&a["amount"]))
    };
    let mut alone = cart(&frankfurt, 1, 1);
    alone["coupon_code"] = json!("spring-10");
    let mut mixed = json!({"items": [{"plan_id": frankfurt.plan.id, "quantity": 1}, {"plan_id": other.id, "quantity": 1}], "duration": 1});
    mixed["coupon_code"] = json!("SPRING-10");
    assert_eq!(coupon_off(&quote(&app, &buyer, alone.clone()).await), Some(dec("-1.00")));
    let both = quote(&app, &buyer, mixed).await;
    assert_eq!((both.status, coupon_off(&both)), (200, Some(dec("-1.00"))), "{}", both.body);
    let mut elsewhere = json!({"items": [{"plan_id": other.id, "quantity": 1}], "duration": 1});
    elsewhere["coupon_code"] = json!("SPRING-10");
    assert_eq!(
        quote(&app, &buyer, elsewhere).await.field_errors("coupon_code"),
        ["does not apply to the plans or locations in this order"]
    );
    let mut order = alone.clone();
    order["payment_method"] = json!("wallet");
    let placed = Call::to(&routes::ORDERS_CREATE, &[]).by(&buyer).json(order).send(&app).await;
    assert_eq!(placed.status, 201, "{}", placed.body);

    let list = Call::to(&routes::PRICING_PROMOTIONS, &[]).by(&admin()).send(&app).await;
    assert_eq!(list.status, 200, "{}", list.body);
    let listed =
        list.body["data"]["promotions"].as_array().unwrap().iter().find(|p| p["code"] == "SPRING-10").unwrap().clone();
    assert_eq!((listed["used_count"].as_u64(), listed["uses_left"].as_u64()), (Some(1), Some(4)), "{listed}");
    assert_eq!(list.body["data"]["in_force"], 1);

    let end = || Call::to(&routes::PRICING_PROMOTION_END, &["spring-10"]).by(&admin()).send(&app);
    let ended = end().await;
    assert_eq!(ended.status, 200, "{}", ended.body);
    assert_eq!(
        (ended.body["data"]["state"].as_str(), ended.body["data"]["ended_by"].as_str()),
        (Some("expired"), Some("ops-admin"))
    );
    assert_eq!(quote(&app, &buyer, alone).await.field_errors("coupon_code"), ["has expired or is not active"]);
    app.clock.advance(Duration::minutes(5));
    let again = end().await;
    assert_eq!(
        (again.status, &again.body["data"]["ended_at"]),
        (200, &ended.body["data"]["ended_at"]),
        "the first end stands"
    );
    assert_eq!(Call::to(&routes::PRICING_PROMOTION_END, &["NOPE"]).by(&admin()).send(&app).await.status, 404);
    assert_eq!(Call::to(&routes::PRICING_PROMOTIONS, &[]).by(&buyer).send(&app).await.status, 403);
}
