//! The customer's profile (`PUT /api/profile`), wallet (`GET /api/wallet`) and the admin credit
//! (`POST /admin/customers/{id}/wallet/credit`), called through their handlers as API Gateway calls them, on
//! both backends: every validation rule, uniqueness of usernames and e-mails (under a race too), paging of the
//! transaction list, idempotent credits and the event a credit publishes.

use futures_util::future::join_all;
use integration_tests::TestApp;
use integration_tests::api::{Call, Caller, Reply};
use integration_tests::fixtures::{customer, dec, profile_of};
use rust_decimal::Decimal;
use serde_json::{Value as Json, json};
use shared::domain::*;
use shared::ports::QueueRef;
use shared::ports::table::{Cursor, Value};
use shared::routes;
use shared::store::new_wallet_transaction;
use std::collections::BTreeSet;
use std::time::Duration;

integration_tests::on_both_backends!(
    profile_update_stores_every_valid_field_and_ignores_unknown_ones,
    profile_update_accepts_the_boundary_values,
    profile_update_rejects_every_invalid_value_with_a_field_error,
    malformed_profile_bodies_are_422_never_500,
    profile_update_needs_an_identity_and_an_existing_customer,
    usernames_and_emails_are_unique_case_insensitively,
    changing_username_or_email_frees_the_old_one,
    a_rejected_profile_update_changes_nothing,
    twenty_customers_race_for_one_username,
    twenty_customers_race_for_one_email,
    a_customer_without_a_wallet_sees_an_empty_usd_wallet,
    the_wallet_shows_its_balance_and_transactions_newest_first,
    paging_walks_twenty_five_transactions_once_each_newest_first,
    wallet_paging_rejects_bad_limits_and_foreign_or_garbage_cursors,
    an_admin_credit_is_a_deposit_by_that_admin_and_publishes_an_event,
    wallet_credit_is_admin_only_and_needs_a_known_customer,
    wallet_credit_validates_amount_reason_and_currency,
    a_first_credit_opens_the_wallet_in_the_requested_currency,
    an_idempotency_key_applies_a_credit_once,
    concurrent_credits_with_one_idempotency_key_apply_once,
    invalid_idempotency_keys_are_400,
);

// ---------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------

fn admin() -> Caller {
    Caller::Admin("admin-1".into())
}

async fn put_profile(app: &TestApp, who: &CustomerId, body: Json) -> Reply {
    Call::to(&routes::PROFILE_UPDATE, &[]).by(&Caller::customer(who)).json(body).send(app).await
}

async fn get_wallet(app: &TestApp, who: &CustomerId, query: &str) -> Reply {
    Call::to(&routes::WALLET_GET, &[]).by(&Caller::customer(who)).query(query).send(app).await
}

async fn credit(app: &TestApp, who: &CustomerId, body: Json) -> Reply {
    Call::to(&routes::WALLET_CREDIT, &[who.as_str()]).by(&admin()).json(body).send(app).await
}

async fn credit_with_key(app: &TestApp, who: &CustomerId, key: &str, body: Json) -> Reply {
    Call::to(&routes::WALLET_CREDIT, &[who.as_str()])
        .by(&admin())
        .header("Idempotency-Key", key)
        .json(body)
        .send(app)
        .await
}

async fn stored(app: &TestApp, id: &CustomerId) -> Customer {
    app.ctx.stores.customers.get(id).await.unwrap().expect("the customer is stored")
}

async fn balance_of(app: &TestApp, id: &CustomerId) -> Option<Decimal> {
    app.ctx.stores.wallets.get(id).await.unwrap().map(|w| w.balance)
}

async fn transactions_of(app: &TestApp, id: &CustomerId) -> Vec<WalletTransaction> {
    app.ctx.stores.wallets.transactions_of(id, 100, None).await.unwrap().0
}

/// A customer with a profile and no wallet.
async fn customer_without_wallet(app: &TestApp) -> CustomerId {
    let id = CustomerId::generate();
    app.ctx.stores.customers.create(&profile_of(&id, app.ctx.clock.now())).await.unwrap();
    id
}

/// Starts a new rate-limit window, so a test can make another 60 calls per customer.
fn next_rate_window(app: &TestApp) {
    app.clock.advance(chrono::Duration::seconds(61));
}

fn assert_ok(reply: &Reply, status: u16, context: &str) {
    assert_eq!(reply.status, status, "{context}: {:#}", reply.body);
    assert_eq!(reply.body["success"], json!(true), "{context}: {:#}", reply.body);
    assert!(reply.body["request_id"].as_str().is_some_and(|r| !r.is_empty()), "{context}: {:#}", reply.body);
}

fn assert_error(reply: &Reply, status: u16, code: &str, context: &str) {
    assert_eq!((reply.status, reply.body["error_code"].as_str()), (status, Some(code)), "{context}: {:#}", reply.body);
    assert_eq!(reply.body["success"], json!(false), "{context}: {:#}", reply.body);
    assert!(reply.body["message"].as_str().is_some_and(|m| !m.is_empty()), "{context}: {:#}", reply.body);
    assert!(reply.body["timestamp"].as_str().is_some(), "{context}: {:#}", reply.body);
}

/// A 409: `field` belongs to another customer.
fn assert_taken(reply: &Reply, field: &str, context: &str) {
    assert_error(reply, 409, "already_taken", context);
    assert_eq!(reply.error_fields(), [field], "{context}: {:#}", reply.body);
    assert_eq!(reply.field_errors(field), ["has already been taken"], "{context}: {:#}", reply.body);
}

/// A 422 naming exactly `fields`.
fn assert_invalid(reply: &Reply, fields: &[&str], context: &str) {
    assert_error(reply, 422, "validation_failed", context);
    assert_eq!(reply.error_fields(), fields, "{context}: {:#}", reply.body);
    for field in fields {
        assert!(!reply.field_errors(field).is_empty(), "{context}: no message for {field}: {:#}", reply.body);
    }
}

fn customer_of(reply: &Reply) -> Customer {
    serde_json::from_value(reply.body["data"].clone()).expect("a customer in data")
}

fn transaction_of(reply: &Reply) -> WalletTransaction {
    serde_json::from_value(reply.body["data"].clone()).expect("a wallet transaction in data")
}

fn decimal_at(value: &Json) -> Decimal {
    value.as_str().unwrap_or_else(|| panic!("a decimal string, not {value}")).parse().expect("a decimal")
}

/// One page of `GET /api/wallet`.
struct WalletPage {
    balance: Decimal,
    currency: String,
    transactions: Vec<WalletTransaction>,
    next_cursor: Option<String>,
}

fn wallet_page(reply: &Reply) -> WalletPage {
    assert_ok(reply, 200, "wallet-get");
    let data = &reply.body["data"];
    WalletPage {
        balance: decimal_at(&data["balance"]),
        currency: data["currency"].as_str().expect("currency").to_owned(),
        transactions: serde_json::from_value(data["transactions"].clone()).expect("transactions"),
        next_cursor: match &data["next_cursor"] {
            Json::Null => None,
            Json::String(c) => Some(c.clone()),
            other => panic!("next_cursor {other}"),
        },
    }
}

/// Every job on the notifications queue (each received once, so a second call sees only new ones).
async fn notifications(app: &TestApp) -> Vec<Job> {
    let queue = QueueRef::Main(Priority::Notifications);
    let mut jobs = Vec::new();
    loop {
        let batch = app.ctx.queue.receive(queue, 10, Duration::from_secs(1), Duration::from_secs(600)).await.unwrap();
        jobs.extend(batch.iter().map(|m| serde_json::from_str::<Job>(&m.body).expect("a job")));
        if app.ctx.queue.attributes(queue).await.unwrap().visible == 0 {
            return jobs;
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// PUT /api/profile
// ---------------------------------------------------------------------------------------------------------

async fn profile_update_stores_every_valid_field_and_ignores_unknown_ones(app: TestApp) {
    let id = customer(&app.ctx, "0").await;
    let before = stored(&app, &id).await;

    let reply = put_profile(
        &app,
        &id,
        json!({
            "name": "Zoë Ångström",
            "username": "  zoe_a-1  ",
            "email": " Zoe@Example.com ",
            "phone": "+33 (1) 23-45",
            "locale": "fr",
            "timezone": "Europe/Paris",
            "country": "fr",
            "theme_mode": "dark",
            "email_notifications": false,
            "role": "admin",
            "id": "someone-else",
            "total_paid": "1000000",
            "loyalty_tier": "gold",
            "suspended_at": "2020-01-01T00:00:00Z",
        }),
    )
    .await;
    assert_ok(&reply, 200, "full update");
    let expected = Customer {
        name: "Zoë Ångström".into(),
        username: "zoe_a-1".into(),
        email: "Zoe@Example.com".into(),
        phone: Some("+33 (1) 23-45".into()),
        locale: "fr".into(),
        timezone: "Europe/Paris".into(),
        country: Some("FR".into()),
        theme_mode: ThemeMode::Dark,
        email_notifications: false,
        ..before.clone()
    };
    assert_eq!(customer_of(&reply), expected, "the reply is the profile as stored");
    assert_eq!(stored(&app, &id).await, expected, "the store has the changes, and only those");
    assert_eq!(
        app.ctx.stores.customers.get(&CustomerId::from("someone-else")).await.unwrap(),
        None,
        "no customer is created under the id sent"
    );

    // Only what is sent changes.
    let reply = put_profile(&app, &id, json!({"locale": "zh"})).await;
    assert_ok(&reply, 200, "locale only");
    let expected = Customer { locale: "zh".into(), ..expected };
    assert_eq!(customer_of(&reply), expected);
    assert_eq!(stored(&app, &id).await, expected);

    // An empty body changes nothing and answers with the profile.
    let reply = put_profile(&app, &id, json!({})).await;
    assert_ok(&reply, 200, "empty body");
    assert_eq!(customer_of(&reply), expected);
    let reply = Call::to(&routes::PROFILE_UPDATE, &[]).by(&Caller::customer(&id)).send(&app).await;
    assert_ok(&reply, 200, "no body");
    assert_eq!(customer_of(&reply), expected);

    // `phone: null` and `phone: ""` remove the number; a new one can be set again.
    let reply = put_profile(&app, &id, json!({"phone": null})).await;
    assert_ok(&reply, 200, "phone null");
    assert_eq!(customer_of(&reply).phone, None);
    assert_eq!(stored(&app, &id).await, Customer { phone: None, ..expected.clone() });
    let reply = put_profile(&app, &id, json!({"phone": "555 0100"})).await;
    assert_ok(&reply, 200, "phone again");
    assert_eq!(stored(&app, &id).await.phone.as_deref(), Some("555 0100"));
    let reply = put_profile(&app, &id, json!({"phone": ""})).await;
    assert_ok(&reply, 200, "phone empty");
    assert_eq!(stored(&app, &id).await, Customer { phone: None, ..expected });

    // Light and system themes, notifications back on.
    let reply = put_profile(&app, &id, json!({"theme_mode": "light", "email_notifications": true})).await;
    assert_ok(&reply, 200, "light");
    let now = stored(&app, &id).await;
    assert_eq!((now.theme_mode, now.email_notifications), (ThemeMode::Light, true));
    let reply = put_profile(&app, &id, json!({"theme_mode": "system"})).await;
    assert_ok(&reply, 200, "system");
    assert_eq!(stored(&app, &id).await.theme_mode, ThemeMode::System);
}

/// Reads one field of a profile, as JSON.
type ReadField = fn(&Customer) -> Json;

async fn profile_update_accepts_the_boundary_values(app: TestApp) {
    let id = customer(&app.ctx, "0").await;
    let long_name = "a".repeat(255);
    let long_username = "u".repeat(50);
    let cases: Vec<(Json, ReadField, Json)> = vec![
        (json!({"name": long_name}), |c| json!(c.name), json!(long_name)),
        (json!({"name": "  Jean Luc  "}), |c| json!(c.name), json!("Jean Luc")),
        (json!({"name": "Владимир Щукин"}), |c| json!(c.name), json!("Владимир Щукин")),
        (json!({"username": long_username}), |c| json!(c.username), json!(long_username)),
        (json!({"username": "A-b_9"}), |c| json!(c.username), json!("A-b_9")),
        (json!({"username": "ünïcode"}), |c| json!(c.username), json!("ünïcode")),
        (
            json!({"email": "first.last+tag@sub.example.org"}),
            |c| json!(c.email),
            json!("first.last+tag@sub.example.org"),
        ),
        (json!({"phone": "+1 (555) 000-0000-00"}), |c| json!(c.phone), json!("+1 (555) 000-0000-00")),
        (json!({"phone": "0123456789"}), |c| json!(c.phone), json!("0123456789")),
        (json!({"phone": "   "}), |c| json!(c.phone), Json::Null),
        (json!({"timezone": "Asia/Kolkata"}), |c| json!(c.timezone), json!("Asia/Kolkata")),
        (
            json!({"timezone": "America/Argentina/Buenos_Aires"}),
            |c| json!(c.timezone),
            json!("America/Argentina/Buenos_Aires"),
        ),
        (json!({"timezone": "UTC"}), |c| json!(c.timezone), json!("UTC")),
        (json!({"email_notifications": false}), |c| json!(c.email_notifications), json!(false)),
        (json!({"email_notifications": true}), |c| json!(c.email_notifications), json!(true)),
    ];
    for (body, read, want) in cases {
        let reply = put_profile(&app, &id, body.clone()).await;
        assert_ok(&reply, 200, &body.to_string());
        assert_eq!(read(&customer_of(&reply)), want, "reply to {body}");
        assert_eq!(read(&stored(&app, &id).await), want, "stored after {body}");
    }
    for locale in ["en", "fr", "es", "ru", "ar", "zh"] {
        let reply = put_profile(&app, &id, json!({"locale": locale})).await;
        assert_ok(&reply, 200, locale);
        assert_eq!(stored(&app, &id).await.locale, locale);
    }
}

async fn profile_update_rejects_every_invalid_value_with_a_field_error(app: TestApp) {
    let id = customer(&app.ctx, "0").await;
    let before = stored(&app, &id).await;
    const NAME_CHARS: &str = "may only contain letters and spaces";
    const USERNAME_CHARS: &str = "may only contain letters, numbers, dashes and underscores";
    const PHONE_SHAPE: &str = "must be digits, spaces, dashes and parentheses, optionally after a +";
    const PHONE_LENGTH: &str = "may not be longer than 20 characters";
    const LOCALE: &str = "must be one of: en, fr, es, ru, ar, zh";
    const TIMEZONE: &str = "must be an IANA time zone such as Europe/Paris";
    const COUNTRY: &str = "must be a two-letter ISO 3166-1 country code";
    // (body, field, the exact message when the rule is this code's own)
    let cases: Vec<(Json, &str, Option<&str>)> = vec![
        (json!({"name": "R2 D2"}), "name", Some(NAME_CHARS)),
        (json!({"name": "Jean-Luc"}), "name", Some(NAME_CHARS)),
        (json!({"name": "Tab\there"}), "name", Some(NAME_CHARS)),
        (json!({"name": ""}), "name", None),
        (json!({"name": "   "}), "name", None),
        (json!({"name": "a".repeat(256)}), "name", None),
        (json!({"name": 42}), "name", None),
        (json!({"username": "has space"}), "username", Some(USERNAME_CHARS)),
        (json!({"username": "dot.ted"}), "username", Some(USERNAME_CHARS)),
        (json!({"username": "at@sign"}), "username", Some(USERNAME_CHARS)),
        (json!({"username": "u".repeat(51)}), "username", None),
        (json!({"username": ""}), "username", None),
        (json!({"username": 123}), "username", None),
        (json!({"email": "not-an-email"}), "email", None),
        (json!({"email": "two@@example.com"}), "email", None),
        (json!({"email": ""}), "email", None),
        (json!({"email": format!("{}@example.com", "a".repeat(250))}), "email", None),
        (json!({"phone": "call me"}), "phone", Some(PHONE_SHAPE)),
        (json!({"phone": "+"}), "phone", Some(PHONE_SHAPE)),
        (json!({"phone": "++33 1"}), "phone", Some(PHONE_SHAPE)),
        (json!({"phone": "12.34"}), "phone", Some(PHONE_SHAPE)),
        (json!({"phone": "+1 (555) 000-0000-000"}), "phone", Some(PHONE_LENGTH)),
        (json!({"phone": 5550100}), "phone", None),
        (json!({"locale": "de"}), "locale", Some(LOCALE)),
        (json!({"locale": "EN"}), "locale", Some(LOCALE)),
        (json!({"locale": ""}), "locale", Some(LOCALE)),
        (json!({"timezone": "Mars/Olympus"}), "timezone", Some(TIMEZONE)),
        (json!({"timezone": "UTC+2"}), "timezone", Some(TIMEZONE)),
        (json!({"timezone": ""}), "timezone", Some(TIMEZONE)),
        (json!({"country": "FRA"}), "country", Some(COUNTRY)),
        (json!({"country": "F1"}), "country", Some(COUNTRY)),
        (json!({"country": ""}), "country", Some(COUNTRY)),
        (json!({"theme_mode": "neon"}), "theme_mode", None),
        (json!({"theme_mode": "Dark"}), "theme_mode", None),
        (json!({"email_notifications": "yes"}), "email_notifications", None),
        (json!({"email_notifications": 1}), "email_notifications", None),
    ];
    for (body, field, message) in &cases {
        let reply = put_profile(&app, &id, body.clone()).await;
        assert_invalid(&reply, &[*field], &body.to_string());
        if let Some(message) = message {
            assert_eq!(reply.field_errors(field), [*message], "{body}");
        }
    }
    next_rate_window(&app);
    // Every broken rule is reported at once, and nothing is written.
    let reply =
        put_profile(&app, &id, json!({"name": "R2", "username": "a b", "locale": "xx", "timezone": "Nowhere/City"}))
            .await;
    assert_invalid(&reply, &["locale", "name", "timezone", "username"], "four bad fields");
    // A valid field next to an invalid one is not applied either.
    let reply = put_profile(&app, &id, json!({"name": "Valid Name", "phone": "call me"})).await;
    assert_invalid(&reply, &["phone"], "valid name, bad phone");
    assert_eq!(stored(&app, &id).await, before, "no rejected request changed the profile");
}

async fn malformed_profile_bodies_are_422_never_500(app: TestApp) {
    let id = customer(&app.ctx, "0").await;
    let before = stored(&app, &id).await;
    let bodies = [
        "not json",
        "[]",
        "\"text\"",
        "42",
        "null",
        "{'name':'single quotes'}",
        "{\"name\":\"Bob\"} trailing",
        "{\"name\":\"Bob\"}{\"role\":\"admin\"}",
    ];
    for body in bodies {
        let reply = Call::to(&routes::PROFILE_UPDATE, &[]).by(&Caller::customer(&id)).raw_body(body).send(&app).await;
        assert_invalid(&reply, &["body"], body);
    }
    // An array of wrong-typed values: refused (serde names the position).
    let reply = Call::to(&routes::PROFILE_UPDATE, &[]).by(&Caller::customer(&id)).raw_body("[1,2]").send(&app).await;
    assert_error(&reply, 422, "validation_failed", "[1,2]");
    // Cut off inside a value: the field it broke in is named.
    let reply =
        Call::to(&routes::PROFILE_UPDATE, &[]).by(&Caller::customer(&id)).raw_body("{\"name\":").send(&app).await;
    assert_invalid(&reply, &["name"], "truncated");
    let reply = put_profile(&app, &id, json!({"email_notifications": "yes"})).await;
    assert_invalid(&reply, &["email_notifications"], "wrong-typed boolean");
    let reply = put_profile(&app, &id, json!({"theme_mode": ["dark"]})).await;
    assert_invalid(&reply, &["theme_mode"], "array for an enum");
    let reply = put_profile(&app, &id, json!({"phone": {"number": "555"}})).await;
    assert_invalid(&reply, &["phone"], "object for a phone");
    assert_eq!(stored(&app, &id).await, before);
}

async fn profile_update_needs_an_identity_and_an_existing_customer(app: TestApp) {
    let id = customer(&app.ctx, "0").await;
    let before = stored(&app, &id).await;
    let reply =
        Call::to(&routes::PROFILE_UPDATE, &[]).by(&Caller::Anonymous).json(json!({"name": "Anon"})).send(&app).await;
    assert_error(&reply, 401, "unauthenticated", "anonymous");
    let reply = Call::to(&routes::PROFILE_UPDATE, &[]).json(json!({"name": "Anon"})).send(&app).await;
    assert_error(&reply, 401, "unauthenticated", "no claims at all");

    let ghost = CustomerId::generate();
    let reply = put_profile(&app, &ghost, json!({"name": "Ghost", "username": "ghost"})).await;
    assert_error(&reply, 403, "profile_missing", "a token without a customer");
    assert!(reply.body["message"].as_str().unwrap().contains("sign-up is confirmed"), "{}", reply.body);
    assert_eq!(app.ctx.stores.customers.get(&ghost).await.unwrap(), None, "the update creates nobody");
    // The ghost's attempt did not reserve the username.
    let reply = put_profile(&app, &id, json!({"username": "ghost"})).await;
    assert_ok(&reply, 200, "ghost's name is free");
    assert_eq!(stored(&app, &id).await, Customer { username: "ghost".into(), ..before });
}

async fn usernames_and_emails_are_unique_case_insensitively(app: TestApp) {
    let alice = customer(&app.ctx, "0").await;
    let bob = customer(&app.ctx, "0").await;
    let alice_before = stored(&app, &alice).await;
    let bob_before = stored(&app, &bob).await;

    for username in [alice_before.username.clone(), alice_before.username.to_uppercase()] {
        let reply = put_profile(&app, &bob, json!({"username": username})).await;
        assert_taken(&reply, "username", &username);
    }
    for email in [alice_before.email.clone(), alice_before.email.to_uppercase(), format!(" {} ", alice_before.email)] {
        let reply = put_profile(&app, &bob, json!({"email": email})).await;
        assert_taken(&reply, "email", &email);
    }
    assert_eq!(stored(&app, &bob).await, bob_before, "bob keeps his own");
    assert_eq!(stored(&app, &alice).await, alice_before, "alice keeps hers");

    // Keeping one's own username and e-mail, as they are or differently cased, is fine.
    let reply = put_profile(
        &app,
        &alice,
        json!({"username": alice_before.username, "email": alice_before.email, "name": "Alice"}),
    )
    .await;
    assert_ok(&reply, 200, "own values");
    assert_eq!(stored(&app, &alice).await, Customer { name: "Alice".into(), ..alice_before.clone() });
    let upper_username = alice_before.username.to_uppercase();
    let upper_email = alice_before.email.to_uppercase();
    let reply = put_profile(&app, &alice, json!({"username": upper_username, "email": upper_email})).await;
    assert_ok(&reply, 200, "own values, upper case");
    let alice_now = Customer {
        name: "Alice".into(),
        username: upper_username.clone(),
        email: upper_email.clone(),
        ..alice_before.clone()
    };
    assert_eq!(customer_of(&reply), alice_now);
    assert_eq!(stored(&app, &alice).await, alice_now);
    // ... and the guard still holds in every case.
    let reply = put_profile(&app, &bob, json!({"username": alice_before.username})).await;
    assert_taken(&reply, "username", "lower-case after alice went upper-case");
    let reply = put_profile(&app, &bob, json!({"email": alice_before.email})).await;
    assert_taken(&reply, "email", "lower-case e-mail after alice went upper-case");
    // Back to lower case: still hers.
    let reply = put_profile(&app, &alice, json!({"username": alice_before.username})).await;
    assert_ok(&reply, 200, "back to lower case");
    assert_eq!(stored(&app, &alice).await.username, alice_before.username);
    assert_eq!(stored(&app, &bob).await, bob_before);
}

async fn changing_username_or_email_frees_the_old_one(app: TestApp) {
    let alice = customer(&app.ctx, "0").await;
    let bob = customer(&app.ctx, "0").await;
    let old = stored(&app, &alice).await;

    let reply = put_profile(&app, &alice, json!({"username": "alice-new", "email": "alice@new.example"})).await;
    assert_ok(&reply, 200, "alice moves");
    assert_eq!(
        (customer_of(&reply).username.as_str(), customer_of(&reply).email.as_str()),
        ("alice-new", "alice@new.example")
    );

    // Bob can take what alice left, not what she holds now.
    let reply = put_profile(&app, &bob, json!({"username": "ALICE-NEW"})).await;
    assert_taken(&reply, "username", "alice's new username");
    let reply = put_profile(&app, &bob, json!({"email": "Alice@New.Example"})).await;
    assert_taken(&reply, "email", "alice's new e-mail");
    let reply = put_profile(&app, &bob, json!({"username": old.username, "email": old.email})).await;
    assert_ok(&reply, 200, "bob takes alice's old ones");
    let bob_now = stored(&app, &bob).await;
    assert_eq!((bob_now.username, bob_now.email), (old.username.clone(), old.email.clone()));

    // Alice cannot go back to them now.
    let reply = put_profile(&app, &alice, json!({"username": old.username})).await;
    assert_taken(&reply, "username", "alice's old username, now bob's");
    let reply = put_profile(&app, &alice, json!({"email": old.email})).await;
    assert_taken(&reply, "email", "alice's old e-mail, now bob's");
    let alice_now = stored(&app, &alice).await;
    assert_eq!((alice_now.username.as_str(), alice_now.email.as_str()), ("alice-new", "alice@new.example"));
}

async fn a_rejected_profile_update_changes_nothing(app: TestApp) {
    let alice = customer(&app.ctx, "0").await;
    let bob = customer(&app.ctx, "0").await;
    let carol = customer(&app.ctx, "0").await;
    let alice_before = stored(&app, &alice).await;
    let bob_before = stored(&app, &bob).await;

    // A free username together with a taken e-mail: nothing of it is applied, the free name stays free.
    let reply =
        put_profile(&app, &alice, json!({"username": "free-name", "email": bob_before.email, "name": "Changed"})).await;
    assert_taken(&reply, "email", "taken e-mail");
    assert_eq!(stored(&app, &alice).await, alice_before);
    let reply = put_profile(&app, &carol, json!({"username": "free-name"})).await;
    assert_ok(&reply, 200, "the name alice did not get is free");
    // And alice's old username is still hers: nobody can take it.
    let reply = put_profile(&app, &carol, json!({"username": alice_before.username})).await;
    assert_taken(&reply, "username", "alice still holds her username");

    // The other way round: a taken username with a free e-mail.
    let reply = put_profile(&app, &alice, json!({"username": bob_before.username, "email": "free@example.org"})).await;
    assert_taken(&reply, "username", "taken username");
    assert_eq!(stored(&app, &alice).await, alice_before);
    let reply = put_profile(&app, &carol, json!({"email": "free@example.org"})).await;
    assert_ok(&reply, 200, "the e-mail alice did not get is free");
    let reply = put_profile(&app, &carol, json!({"email": alice_before.email})).await;
    assert_taken(&reply, "email", "alice still holds her e-mail");
    assert_eq!(stored(&app, &bob).await, bob_before);
}

/// The outcome of one racer: 200, or a refusal that names the field taken or the collision (both 409).
fn race_outcome(reply: &Reply, field: &str) -> bool {
    match reply.status {
        200 => true,
        409 if reply.body["error_code"] == json!("already_taken") => {
            assert_taken(reply, field, "race");
            false
        }
        409 => {
            assert_eq!(reply.body["error_code"], json!("conflict"), "{:#}", reply.body);
            false
        }
        other => panic!("unexpected {other}: {:#}", reply.body),
    }
}

async fn twenty_customers_race_for_one_username(app: TestApp) {
    let mut racers = Vec::new();
    for _ in 0..20 {
        racers.push(customer(&app.ctx, "0").await);
    }
    let mut before = Vec::new();
    for id in &racers {
        before.push(stored(&app, id).await);
    }
    let replies = join_all(racers.iter().map(|id| put_profile(&app, id, json!({"username": "TheOne"})))).await;
    let winners: Vec<usize> = (0..racers.len()).filter(|&i| race_outcome(&replies[i], "username")).collect();
    assert_eq!(winners.len(), 1, "exactly one racer gets the name");
    let winner = winners[0];
    for (i, id) in racers.iter().enumerate() {
        let now = stored(&app, id).await;
        if i == winner {
            assert_eq!(now, Customer { username: "TheOne".into(), ..before[i].clone() });
        } else {
            assert_eq!(now, before[i], "a loser's profile is unchanged");
        }
    }
    // The winner holds it; the winner's old name is free; every loser still holds theirs.
    let late = customer(&app.ctx, "0").await;
    let reply = put_profile(&app, &late, json!({"username": "theone"})).await;
    assert_taken(&reply, "username", "the winner holds it");
    let loser = (winner + 1) % racers.len();
    let reply = put_profile(&app, &late, json!({"username": before[loser].username})).await;
    assert_taken(&reply, "username", "a loser keeps their name");
    let reply = put_profile(&app, &late, json!({"username": before[winner].username})).await;
    assert_ok(&reply, 200, "the winner's old name is free");
}

async fn twenty_customers_race_for_one_email(app: TestApp) {
    let mut racers = Vec::new();
    for _ in 0..20 {
        racers.push(customer(&app.ctx, "0").await);
    }
    // Differently cased: still one address.
    let replies = join_all(racers.iter().enumerate().map(|(i, id)| {
        let email = if i % 2 == 0 { "race@example.com" } else { "RACE@Example.com" };
        put_profile(&app, id, json!({"email": email}))
    }))
    .await;
    let winners: Vec<usize> = (0..racers.len()).filter(|&i| race_outcome(&replies[i], "email")).collect();
    assert_eq!(winners.len(), 1, "exactly one racer gets the address");
    let mut holders = 0;
    for id in &racers {
        if stored(&app, id).await.email.eq_ignore_ascii_case("race@example.com") {
            holders += 1;
        }
    }
    assert_eq!(holders, 1);
    assert!(stored(&app, &racers[winners[0]]).await.email.eq_ignore_ascii_case("race@example.com"));
}

// ---------------------------------------------------------------------------------------------------------
// GET /api/wallet
// ---------------------------------------------------------------------------------------------------------

async fn a_customer_without_a_wallet_sees_an_empty_usd_wallet(app: TestApp) {
    let id = customer_without_wallet(&app).await;
    let reply = get_wallet(&app, &id, "").await;
    let page = wallet_page(&reply);
    assert_eq!((page.balance, page.currency.as_str()), (Decimal::ZERO, "USD"));
    assert!(page.transactions.is_empty());
    assert_eq!(page.next_cursor, None);
    assert_eq!(reply.body["data"]["updated_at"], Json::Null);
    assert_eq!(balance_of(&app, &id).await, None, "looking does not open a wallet");

    // A token whose customer has no profile either: the same empty view, not an error.
    let reply = get_wallet(&app, &CustomerId::generate(), "").await;
    let page = wallet_page(&reply);
    assert_eq!((page.balance, page.currency.as_str(), page.transactions.len()), (Decimal::ZERO, "USD", 0));

    let reply = Call::to(&routes::WALLET_GET, &[]).by(&Caller::Anonymous).send(&app).await;
    assert_error(&reply, 401, "unauthenticated", "anonymous wallet");
}

async fn the_wallet_shows_its_balance_and_transactions_newest_first(app: TestApp) {
    let id = customer(&app.ctx, "100").await;
    let other = customer(&app.ctx, "7").await;
    app.clock.advance(chrono::Duration::minutes(1));
    let first = transaction_of(&credit(&app, &id, json!({"amount": "10.5", "reason": "bank transfer 1"})).await);
    app.clock.advance(chrono::Duration::minutes(1));
    let second = transaction_of(&credit(&app, &id, json!({"amount": "0.25", "reason": "bank transfer 2"})).await);

    let reply = get_wallet(&app, &id, "").await;
    let page = wallet_page(&reply);
    assert_eq!((page.balance, page.currency.as_str()), (dec("110.75"), "USD"));
    assert_eq!(page.next_cursor, None);
    assert_eq!(page.transactions.len(), 3);
    // As the admin was answered, but without the admin's identity.
    let as_customer_sees = |t: &WalletTransaction| WalletTransaction { created_by: None, ..t.clone() };
    assert_eq!(page.transactions[0], as_customer_sees(&second));
    assert_eq!(page.transactions[1], as_customer_sees(&first));
    let opening = &page.transactions[2];
    assert_eq!(
        (opening.kind, opening.amount, opening.customer_id.clone()),
        (TransactionType::Deposit, dec("100"), id.clone())
    );
    let stored: Vec<WalletTransaction> = transactions_of(&app, &id).await.iter().map(as_customer_sees).collect();
    assert_eq!(page.transactions, stored, "the list is the store's");
    assert_eq!(
        reply.body["data"]["updated_at"].as_str().map(|t| t.parse::<chrono::DateTime<chrono::Utc>>().unwrap()),
        Some(app.ctx.clock.now()),
        "updated when last credited"
    );

    // Each customer sees only their own wallet.
    let page = wallet_page(&get_wallet(&app, &other, "").await);
    assert_eq!(page.balance, dec("7"));
    assert_eq!(page.transactions.len(), 1);
    assert_eq!(page.transactions[0].customer_id, other);
}

async fn paging_walks_twenty_five_transactions_once_each_newest_first(app: TestApp) {
    let id = customer(&app.ctx, "0").await;
    let mut created = Vec::new();
    for i in 1..=25i64 {
        app.clock.advance(chrono::Duration::seconds(1));
        let now = app.ctx.clock.now();
        let deposit = new_wallet_transaction(
            &id,
            TransactionType::Deposit,
            Decimal::from(i),
            format!("page-{id}-{i}"),
            "top-up",
            now,
        );
        app.ctx.stores.wallets.apply(&deposit, now).await.unwrap();
        created.push(deposit.id);
    }
    let newest_first: Vec<TransactionId> = created.iter().rev().cloned().collect();

    let mut seen = Vec::new();
    let mut sizes = Vec::new();
    let mut query = "limit=10".to_owned();
    loop {
        let page = wallet_page(&get_wallet(&app, &id, &query).await);
        assert_eq!(page.balance, dec("325"), "1 + 2 + ... + 25");
        sizes.push(page.transactions.len());
        seen.extend(page.transactions.into_iter().map(|t| t.id));
        match page.next_cursor {
            Some(cursor) => query = format!("limit=10&cursor={cursor}"),
            None => break,
        }
        assert!(sizes.len() < 10, "paging does not end");
    }
    assert_eq!(sizes, [10, 10, 5]);
    assert_eq!(seen, newest_first, "every transaction once, newest first");
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), 25);

    // The default page is 20; the largest is 100.
    let page = wallet_page(&get_wallet(&app, &id, "").await);
    assert_eq!(page.transactions.iter().map(|t| t.id.clone()).collect::<Vec<_>>(), newest_first[..20]);
    let cursor = page.next_cursor.expect("a cursor after 20 of 25");
    let page = wallet_page(&get_wallet(&app, &id, &format!("cursor={cursor}")).await);
    assert_eq!(page.transactions.iter().map(|t| t.id.clone()).collect::<Vec<_>>(), newest_first[20..]);
    assert_eq!(page.next_cursor, None);
    let page = wallet_page(&get_wallet(&app, &id, "limit=100").await);
    assert_eq!(page.transactions.iter().map(|t| t.id.clone()).collect::<Vec<_>>(), newest_first);
    assert_eq!(page.next_cursor, None);
    let page = wallet_page(&get_wallet(&app, &id, "limit=1").await);
    assert_eq!(page.transactions.iter().map(|t| t.id.clone()).collect::<Vec<_>>(), newest_first[..1]);
    assert!(page.next_cursor.is_some());
}

async fn wallet_paging_rejects_bad_limits_and_foreign_or_garbage_cursors(app: TestApp) {
    let mine = customer(&app.ctx, "5").await;
    let theirs = customer(&app.ctx, "5").await;
    app.clock.advance(chrono::Duration::seconds(1));
    assert_ok(&credit(&app, &mine, json!({"amount": "1", "reason": "second"})).await, 201, "mine");
    assert_ok(&credit(&app, &theirs, json!({"amount": "1", "reason": "second"})).await, 201, "theirs");

    for limit in ["0", "101", "-1", "ten", "1.5", ""] {
        let reply = get_wallet(&app, &mine, &format!("limit={limit}")).await;
        assert_invalid(&reply, &["limit"], limit);
        assert_eq!(reply.field_errors("limit"), ["must be an integer from 1 to 100"]);
    }

    let their_cursor = wallet_page(&get_wallet(&app, &theirs, "limit=1").await).next_cursor.expect("their cursor");
    let my_cursor = wallet_page(&get_wallet(&app, &mine, "limit=1").await).next_cursor.expect("my cursor");
    let reply = get_wallet(&app, &mine, &format!("cursor={their_cursor}")).await;
    assert_invalid(&reply, &["cursor"], "another customer's cursor");
    assert_eq!(reply.field_errors("cursor"), ["is not a cursor this list gave out"]);
    // Their cursor still works for them, and mine for me.
    let page = wallet_page(&get_wallet(&app, &theirs, &format!("limit=1&cursor={their_cursor}")).await);
    assert_eq!((page.transactions.len(), page.transactions[0].customer_id.clone()), (1, theirs.clone()));
    let page = wallet_page(&get_wallet(&app, &mine, &format!("limit=1&cursor={my_cursor}")).await);
    assert_eq!((page.transactions.len(), page.transactions[0].customer_id.clone()), (1, mine.clone()));

    // Forged positions: wrong attributes, or this customer's partition outside the transaction list.
    let forged = |pairs: &[(&str, String)]| {
        Cursor::token(&Cursor(pairs.iter().map(|(k, v)| ((*k).to_owned(), Value::S(v.clone()))).collect()))
    };
    let partition = format!("CUSTOMER#{mine}");
    let garbage = [
        "garbage!!".to_owned(),
        "e30".to_owned(),
        "bm90IGpzb24".to_owned(),
        forged(&[("pk", partition.clone())]),
        forged(&[("pk", partition.clone()), ("sk", "WTX#".into()), ("gsi1pk", "x".into())]),
        forged(&[("pk", format!("CUSTOMER#{theirs}")), ("sk", "WTX#9999".into())]),
        forged(&[("pk", partition.clone()), ("sk", "PROFILE".into())]),
        forged(&[("pk", partition.clone()), ("sk", "WALLET".into())]),
    ];
    for cursor in &garbage {
        let reply = get_wallet(&app, &mine, &format!("cursor={cursor}")).await;
        assert_invalid(&reply, &["cursor"], cursor);
    }
    // Both wrong at once: both named.
    let reply = get_wallet(&app, &mine, "limit=0&cursor=garbage").await;
    assert_invalid(&reply, &["cursor", "limit"], "both");
}

// ---------------------------------------------------------------------------------------------------------
// POST /admin/customers/{id}/wallet/credit
// ---------------------------------------------------------------------------------------------------------

async fn an_admin_credit_is_a_deposit_by_that_admin_and_publishes_an_event(app: TestApp) {
    let id = customer(&app.ctx, "100").await;
    app.clock.advance(chrono::Duration::minutes(5));
    let reply = credit(&app, &id, json!({"amount": "25.5", "reason": "  refund for ticket #42  "})).await;
    assert_ok(&reply, 201, "credit");
    let deposit = transaction_of(&reply);
    assert_eq!(deposit.customer_id, id);
    assert_eq!(deposit.kind, TransactionType::Deposit);
    assert_eq!(deposit.amount, dec("25.5"));
    assert_eq!(deposit.status, TransactionStatus::Completed);
    assert_eq!(deposit.description, "refund for ticket #42", "the reason, trimmed");
    assert_eq!(deposit.created_by.as_deref(), Some("admin-1"));
    assert_eq!(deposit.order_id, None);
    assert_eq!(deposit.created_at, app.ctx.clock.now());
    assert!(deposit.reference.starts_with("admin-credit:"), "{}", deposit.reference);
    assert_eq!(reply.body["data"]["amount"], json!("25.5"), "money is a string");

    assert_eq!(balance_of(&app, &id).await, Some(dec("125.5")));
    let stored_list = transactions_of(&app, &id).await;
    assert_eq!(stored_list.len(), 2);
    assert_eq!(stored_list[0], deposit, "stored as answered, newest first");
    let page = wallet_page(&get_wallet(&app, &id, "").await);
    assert_eq!(page.balance, dec("125.5"));
    assert_eq!(page.transactions[0], WalletTransaction { created_by: None, ..deposit.clone() });

    let jobs = notifications(&app).await;
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert_eq!(jobs[0].job_type, "event.publish");
    let event: DomainEvent = serde_json::from_value(jobs[0].payload.clone()).expect("a domain event");
    assert_eq!(
        event,
        DomainEvent::WalletBalanceChanged {
            customer_id: id.clone(),
            transaction_id: deposit.id.clone(),
            amount: dec("25.5"),
            reason: "refund for ticket #42".into(),
            timestamp: app.ctx.clock.now(),
        }
    );
    assert_eq!(jobs[0].payload["event"], json!("wallet.balance.changed"));

    // A second credit by another admin: its own transaction and event, recorded with that admin.
    let reply = Call::to(&routes::WALLET_CREDIT, &[id.as_str()])
        .by(&Caller::Admin("admin-2".into()))
        .json(json!({"amount": "4.5", "reason": "goodwill"}))
        .send(&app)
        .await;
    assert_ok(&reply, 201, "second credit");
    let second = transaction_of(&reply);
    assert_eq!((second.created_by.as_deref(), second.amount), (Some("admin-2"), dec("4.5")));
    // The customer sees the credits, not which admin made them; the store keeps that for the audit trail.
    let mine = Call::to(&routes::WALLET_GET, &[]).by(&Caller::customer(&id)).send(&app).await;
    let listed = mine.body["data"]["transactions"].as_array().unwrap();
    assert!(listed.iter().all(|t| t["created_by"].is_null()), "{listed:?}");
    let (stored, _) = app.ctx.stores.wallets.transactions_of(&id, 10, None).await.unwrap();
    assert!(stored.iter().any(|t| t.created_by.as_deref() == Some("admin-2")));
    assert_ne!(second.id, deposit.id);
    assert_ne!(second.reference, deposit.reference, "credits without a key never collide");
    assert_eq!(balance_of(&app, &id).await, Some(dec("130")));
    let jobs = notifications(&app).await;
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert_eq!(jobs[0].payload["transaction_id"], json!(second.id.as_str()));
    assert_eq!(jobs[0].payload["amount"], json!("4.5"));
}

async fn wallet_credit_is_admin_only_and_needs_a_known_customer(app: TestApp) {
    let id = customer(&app.ctx, "100").await;
    let body = json!({"amount": "10", "reason": "free money"});
    let reply =
        Call::to(&routes::WALLET_CREDIT, &[id.as_str()]).by(&Caller::customer(&id)).json(body.clone()).send(&app).await;
    assert_error(&reply, 403, "forbidden", "the customer credits themselves");
    let reply =
        Call::to(&routes::WALLET_CREDIT, &[id.as_str()]).by(&Caller::Anonymous).json(body.clone()).send(&app).await;
    assert_error(&reply, 401, "unauthenticated", "anonymous credit");
    assert_eq!(balance_of(&app, &id).await, Some(dec("100")));
    assert_eq!(transactions_of(&app, &id).await.len(), 1);

    let ghost = CustomerId::generate();
    let reply = credit(&app, &ghost, body.clone()).await;
    assert_error(&reply, 404, "not_found", "unknown customer");
    assert_eq!(reply.body["message"], json!("Customer not found."));
    assert_eq!(app.ctx.stores.wallets.get(&ghost).await.unwrap(), None, "no wallet opened for nobody");
    assert!(transactions_of(&app, &ghost).await.is_empty());
    assert!(notifications(&app).await.is_empty(), "refused credits publish nothing");
}

async fn wallet_credit_validates_amount_reason_and_currency(app: TestApp) {
    let id = customer(&app.ctx, "100").await;
    let cases: Vec<(Json, Vec<&str>)> = vec![
        (json!({"reason": "bank transfer"}), vec!["amount"]),
        (json!({"amount": null, "reason": "bank transfer"}), vec!["amount"]),
        (json!({"amount": 0, "reason": "bank transfer"}), vec!["amount"]),
        (json!({"amount": "0", "reason": "bank transfer"}), vec!["amount"]),
        (json!({"amount": "0.00", "reason": "bank transfer"}), vec!["amount"]),
        (json!({"amount": -5, "reason": "bank transfer"}), vec!["amount"]),
        (json!({"amount": "-0.01", "reason": "bank transfer"}), vec!["amount"]),
        (json!({"amount": "100000.01", "reason": "bank transfer"}), vec!["amount"]),
        (json!({"amount": 100000.01, "reason": "bank transfer"}), vec!["amount"]),
        (json!({"amount": 1000000, "reason": "bank transfer"}), vec!["amount"]),
        (json!({"amount": "0.000000001", "reason": "bank transfer"}), vec!["amount"]),
        (json!({"amount": 1e-9, "reason": "bank transfer"}), vec!["amount"]),
        // A JSON number with a fraction is a binary float: money is decimal text.
        (json!({"amount": 12.5, "reason": "bank transfer"}), vec!["amount"]),
        (json!({"amount": "1.123456789", "reason": "bank transfer"}), vec!["amount"]),
        (json!({"amount": "ten", "reason": "bank transfer"}), vec!["amount"]),
        (json!({"amount": "", "reason": "bank transfer"}), vec!["amount"]),
        (json!({"amount": true, "reason": "bank transfer"}), vec!["amount"]),
        (json!({"amount": [10], "reason": "bank transfer"}), vec!["amount"]),
        (json!({"amount": "10"}), vec!["reason"]),
        (json!({"amount": "10", "reason": null}), vec!["reason"]),
        (json!({"amount": "10", "reason": "ab"}), vec!["reason"]),
        (json!({"amount": "10", "reason": "  ab  "}), vec!["reason"]),
        (json!({"amount": "10", "reason": "     "}), vec!["reason"]),
        (json!({"amount": "10", "reason": "x".repeat(501)}), vec!["reason"]),
        (json!({"amount": "10", "reason": "é".repeat(501)}), vec!["reason"]),
        (json!({"amount": "10", "reason": 12345}), vec!["reason"]),
        (json!({}), vec!["amount", "reason"]),
        (json!({"amount": "0", "reason": "a"}), vec!["amount", "reason"]),
        (json!({"amount": "10", "reason": "bank transfer", "currency": "EUR"}), vec!["currency"]),
        (json!({"amount": "10", "reason": "bank transfer", "currency": ""}), vec!["currency"]),
    ];
    for (body, fields) in &cases {
        let reply = credit(&app, &id, body.clone()).await;
        assert_invalid(&reply, fields, &body.to_string());
    }
    let reply = credit(&app, &id, json!({"amount": "10", "reason": "bank transfer", "currency": "EUR"})).await;
    assert_eq!(reply.field_errors("currency"), ["must be the wallet's currency, USD"]);
    for body in ["not json", "[]", "{\"amount\":\"10\",\"reason\":\"abc\"} trailing"] {
        let reply = Call::to(&routes::WALLET_CREDIT, &[id.as_str()]).by(&admin()).raw_body(body).send(&app).await;
        assert_invalid(&reply, &["body"], body);
    }
    assert_eq!(balance_of(&app, &id).await, Some(dec("100")), "no refused credit moved the balance");
    assert_eq!(transactions_of(&app, &id).await.len(), 1);
    assert!(notifications(&app).await.is_empty());

    // The boundaries that pass, as strings and as numbers.
    let accepted: Vec<(Json, Decimal)> = vec![
        (json!({"amount": "100000", "reason": "max"}), dec("100000")),
        (json!({"amount": 100000, "reason": "max as number"}), dec("100000")),
        (json!({"amount": "0.00000001", "reason": "smallest"}), dec("0.00000001")),
        (json!({"amount": "12.34567891", "reason": "eight places"}), dec("12.34567891")),
        (json!({"amount": "1.000000000", "reason": "trailing zeros"}), dec("1")),
        (json!({"amount": 3, "reason": "integer"}), dec("3")),
        (json!({"amount": "7", "reason": "abc"}), dec("7")),
        (json!({"amount": "1", "reason": "r".repeat(500)}), dec("1")),
        (json!({"amount": "1", "reason": "é".repeat(500)}), dec("1")),
        (json!({"amount": "2", "reason": "same currency", "currency": "usd"}), dec("2")),
        (json!({"amount": "2", "reason": "same currency", "currency": " USD "}), dec("2")),
    ];
    let mut expected = dec("100");
    for (body, amount) in accepted {
        let reply = credit(&app, &id, body.clone()).await;
        assert_ok(&reply, 201, &body.to_string());
        let deposit = transaction_of(&reply);
        assert_eq!(deposit.amount, amount, "{body}");
        assert_eq!(deposit.description, body["reason"].as_str().unwrap().trim(), "{body}");
        expected += amount;
        assert_eq!(balance_of(&app, &id).await, Some(expected), "{body}");
    }
    assert_eq!(expected, dec("200129.34567892"));
    assert_eq!(transactions_of(&app, &id).await.len(), 12);
    assert_eq!(notifications(&app).await.len(), 11);
}

async fn a_first_credit_opens_the_wallet_in_the_requested_currency(app: TestApp) {
    let plain = customer_without_wallet(&app).await;
    let reply = credit(&app, &plain, json!({"amount": "15", "reason": "welcome bonus"})).await;
    assert_ok(&reply, 201, "first credit, no currency");
    let wallet = app.ctx.stores.wallets.get(&plain).await.unwrap().expect("opened");
    assert_eq!((wallet.balance, wallet.currency.as_str()), (dec("15"), "USD"));

    let euro = customer_without_wallet(&app).await;
    let reply = credit(&app, &euro, json!({"amount": "20", "reason": "welcome bonus", "currency": "eur"})).await;
    assert_ok(&reply, 201, "first credit in euros");
    let page = wallet_page(&get_wallet(&app, &euro, "").await);
    assert_eq!((page.balance, page.currency.as_str(), page.transactions.len()), (dec("20"), "EUR", 1));

    let reply = credit(&app, &euro, json!({"amount": "1", "reason": "wrong currency", "currency": "USD"})).await;
    assert_invalid(&reply, &["currency"], "USD into a EUR wallet");
    assert_eq!(reply.field_errors("currency"), ["must be the wallet's currency, EUR"]);
    let reply = credit(&app, &euro, json!({"amount": "1", "reason": "no currency named"})).await;
    assert_ok(&reply, 201, "no currency: the wallet's");
    let reply = credit(&app, &euro, json!({"amount": "1", "reason": "right currency", "currency": "EUR"})).await;
    assert_ok(&reply, 201, "EUR into EUR");
    let wallet = app.ctx.stores.wallets.get(&euro).await.unwrap().expect("wallet");
    assert_eq!((wallet.balance, wallet.currency.as_str()), (dec("22"), "EUR"));
}

async fn an_idempotency_key_applies_a_credit_once(app: TestApp) {
    let id = customer(&app.ctx, "100").await;
    let other = customer(&app.ctx, "100").await;
    let body = json!({"amount": "50", "reason": "wire 2026-11-24"});
    app.clock.advance(chrono::Duration::seconds(1));
    let first = credit_with_key(&app, &id, "wire-1", body.clone()).await;
    assert_ok(&first, 201, "first");
    let deposit = transaction_of(&first);
    assert_eq!(deposit.reference, format!("admin-credit:{id}:wire-1"));
    let again = credit_with_key(&app, &id, "wire-1", body.clone()).await;
    assert_error(&again, 409, "already_applied", "same key again");
    // Even with another amount: the key names the credit.
    let changed = credit_with_key(&app, &id, "wire-1", json!({"amount": "75", "reason": "changed my mind"})).await;
    assert_error(&changed, 409, "already_applied", "same key, other body");
    assert_eq!(balance_of(&app, &id).await, Some(dec("150")), "the balance rose once");
    let list = transactions_of(&app, &id).await;
    assert_eq!(list.len(), 2);
    assert_eq!(list[0], deposit);
    assert_eq!(notifications(&app).await.len(), 1, "one event for one credit");

    // A key is per customer: the same key for someone else is a new credit; a new key is a new credit.
    let theirs = credit_with_key(&app, &other, "wire-1", body.clone()).await;
    assert_ok(&theirs, 201, "same key, other customer");
    let next = credit_with_key(&app, &id, "wire-2", body.clone()).await;
    assert_ok(&next, 201, "new key");
    assert_eq!(balance_of(&app, &id).await, Some(dec("200")));
    assert_eq!(balance_of(&app, &other).await, Some(dec("150")));
    // The 255-character maximum is a valid key.
    let longest = "k".repeat(255);
    assert_ok(&credit_with_key(&app, &id, &longest, body.clone()).await, 201, "255 characters");
    assert_error(&credit_with_key(&app, &id, &longest, body).await, 409, "already_applied", "255 characters again");
    assert_eq!(balance_of(&app, &id).await, Some(dec("250")));
}

async fn concurrent_credits_with_one_idempotency_key_apply_once(app: TestApp) {
    let id = customer(&app.ctx, "0").await;
    let body = json!({"amount": "10", "reason": "retried webhook"});
    let replies = join_all((0..10).map(|_| credit_with_key(&app, &id, "retry-storm", body.clone()))).await;
    let mut applied = 0;
    for reply in &replies {
        match reply.status {
            201 => applied += 1,
            409 => assert!(
                ["already_applied", "conflict"].contains(&reply.body["error_code"].as_str().unwrap_or_default()),
                "{:#}",
                reply.body
            ),
            other => panic!("unexpected {other}: {:#}", reply.body),
        }
    }
    assert_eq!(applied, 1, "exactly one of ten retries is applied");
    assert_eq!(balance_of(&app, &id).await, Some(dec("10")));
    assert_eq!(transactions_of(&app, &id).await.len(), 1);

    // Ten different keys at once: all applied.
    let keys: Vec<String> = (0..10).map(|i| format!("batch-{i}")).collect();
    let replies = join_all(keys.iter().map(|key| credit_with_key(&app, &id, key, body.clone()))).await;
    assert!(replies.iter().all(|r| r.status == 201), "{:?}", replies.iter().map(|r| r.status).collect::<Vec<_>>());
    assert_eq!(balance_of(&app, &id).await, Some(dec("110")));
    assert_eq!(transactions_of(&app, &id).await.len(), 11);
}

async fn invalid_idempotency_keys_are_400(app: TestApp) {
    let id = customer(&app.ctx, "100").await;
    let body = json!({"amount": "10", "reason": "bank transfer"});
    for key in ["k".repeat(256), "has space".to_owned(), String::new(), "   ".to_owned(), "naïve".to_owned()] {
        let reply = credit_with_key(&app, &id, &key, body.clone()).await;
        assert_error(&reply, 400, "invalid_idempotency_key", &format!("{key:?}"));
        assert_eq!(
            reply.body["message"],
            json!("The Idempotency-Key header must be 1 to 255 visible ASCII characters."),
            "{key:?}"
        );
    }
    // The key is checked before the body: a bad key with a bad body is still the 400.
    let reply = credit_with_key(&app, &id, "has space", json!({"amount": "0"})).await;
    assert_error(&reply, 400, "invalid_idempotency_key", "bad key and bad body");
    assert_eq!(balance_of(&app, &id).await, Some(dec("100")));
    assert_eq!(transactions_of(&app, &id).await.len(), 1);
    // Surrounding spaces are not part of the key.
    assert_ok(&credit_with_key(&app, &id, " padded ", body.clone()).await, 201, "padded key");
    assert_error(&credit_with_key(&app, &id, "padded", body).await, 409, "already_applied", "the same key unpadded");
    assert_eq!(balance_of(&app, &id).await, Some(dec("110")));
}
