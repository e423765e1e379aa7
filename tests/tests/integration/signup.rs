//! Customers coming into existence, on both backends: Cognito's post-confirmation trigger (its documented event,
//! `events/signup-confirmed.json`) makes the profile and an empty wallet once, however often or concurrently the
//! pool retries it; a taken username gets a suffix (the user is already confirmed), a taken e-mail writes nothing
//! and says to contact support; the new customer can use the front door at once; a store that is down is a
//! message, not a panic; and a signed-in user without a profile is told to complete sign-up.

use integration_tests::api::{Call, Caller};
use integration_tests::{TestApp, manual_clock, race};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use shared::domain::CustomerId;
use shared::routes;

integration_tests::on_both_backends!(
    a_confirmed_sign_up_makes_the_profile_and_an_empty_wallet,
    a_retried_or_concurrent_trigger_registers_once,
    a_taken_username_gets_a_suffix_and_a_taken_email_leaves_no_profile,
    the_new_customer_can_use_the_front_door_at_once,
);

fn confirmed(subject: &str, user_name: &str, email: &str) -> Value {
    let mut event: Value =
        serde_json::from_str(&super::route_table::repo_file("events/signup-confirmed.json")).unwrap();
    event["userName"] = json!(user_name);
    event["request"]["userAttributes"]["sub"] = json!(subject);
    event["request"]["userAttributes"]["email"] = json!(email);
    event
}

async fn trigger(app: &TestApp, event: Value) -> Result<Value, String> {
    shared::handlers::user_pool(&routes::SIGNUP_CONFIRMED, &app.ctx, event).await.expect("the trigger's handler")
}

async fn a_confirmed_sign_up_makes_the_profile_and_an_empty_wallet(app: TestApp) {
    let subject = CustomerId::generate();
    let event = confirmed(subject.as_str(), "ana.martin", "Ana.Martin@Example.com");
    let answer = trigger(&app, event.clone()).await.unwrap();
    assert_eq!(answer["request"], event["request"], "the event is handed back to the pool");
    let customer = app.ctx.stores.customers.get(&subject).await.unwrap().expect("a profile");
    assert_eq!(
        (customer.username.as_str(), customer.email.as_str(), customer.name.as_str()),
        ("ana.martin", "ana.martin@example.com", "Ana Martin")
    );
    assert_eq!((customer.locale.as_str(), customer.timezone.as_str()), ("fr", "Europe/Paris"));
    assert_eq!(customer.total_paid, Decimal::ZERO);
    let wallet = app.ctx.stores.wallets.get(&subject).await.unwrap().expect("a wallet");
    assert_eq!((wallet.balance, wallet.currency.as_str()), (Decimal::ZERO, "USD"));
}

async fn a_retried_or_concurrent_trigger_registers_once(app: TestApp) {
    let subject = CustomerId::generate();
    let event = confirmed(subject.as_str(), "retried", "retried@example.com");
    trigger(&app, event.clone()).await.unwrap();
    trigger(&app, event.clone()).await.expect("a retry is answered as the first");
    let racing = CustomerId::generate();
    let event = confirmed(racing.as_str(), "racing", "racing@example.com");
    let results = race((0..6).map(|_| trigger(&app, event.clone()))).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    for id in [&subject, &racing] {
        assert!(app.ctx.stores.customers.get(id).await.unwrap().is_some());
        assert_eq!(app.ctx.stores.wallets.get(id).await.unwrap().unwrap().balance, Decimal::ZERO);
    }
}

async fn a_taken_username_gets_a_suffix_and_a_taken_email_leaves_no_profile(app: TestApp) {
    trigger(&app, confirmed(CustomerId::generate().as_str(), "first", "first@example.com")).await.unwrap();
    // Cognito confirmed the user before calling: the sign-up gives way on the name rather than leave them without
    // a profile.
    let second = CustomerId::generate();
    trigger(&app, confirmed(second.as_str(), "First", "second@example.com")).await.expect("registered");
    let profile = app.ctx.stores.customers.get(&second).await.unwrap().expect("a profile");
    assert_eq!(profile.username, format!("First-{}", &second.as_str()[..8]));
    assert!(app.ctx.stores.wallets.get(&second).await.unwrap().is_some());
    // Someone else's e-mail cannot be given way on: nothing is written, and support is the way out.
    let third = CustomerId::generate();
    let refused = trigger(&app, confirmed(third.as_str(), "third", "FIRST@example.com")).await.unwrap_err();
    assert_eq!(refused, "This e-mail is already registered to another account; contact support to link it.");
    assert!(app.ctx.stores.customers.get(&third).await.unwrap().is_none(), "no profile");
    assert!(app.ctx.stores.wallets.get(&third).await.unwrap().is_none(), "no wallet");
    let mut no_email = confirmed(CustomerId::generate().as_str(), "no-email", "");
    no_email["request"]["userAttributes"].as_object_mut().unwrap().remove("email");
    assert_eq!(trigger(&app, no_email).await.unwrap_err(), "Sign-up needs an e-mail.");
}

async fn the_new_customer_can_use_the_front_door_at_once(app: TestApp) {
    let subject = CustomerId::generate();
    let caller = Caller::customer(&subject);
    // Signed in before the profile exists: told what to do, not "not found".
    let reply = Call::to(&routes::PROFILE_UPDATE, &[]).by(&caller).json(json!({"name": "Ana"})).send(&app).await;
    assert_eq!((reply.status, reply.body["error_code"].as_str()), (403, Some("profile_missing")), "{}", reply.body);
    trigger(&app, confirmed(subject.as_str(), "front-door", "front-door@example.com")).await.unwrap();
    let reply = Call::to(&routes::PROFILE_UPDATE, &[]).by(&caller).json(json!({"name": "Ana"})).send(&app).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let reply = Call::to(&routes::WALLET_GET, &[]).by(&caller).send(&app).await;
    assert_eq!((reply.status, &reply.body["data"]["balance"]), (200, &json!("0")), "{}", reply.body);
}

#[tokio::test]
async fn a_store_that_is_down_is_a_message_to_try_again_not_a_panic() {
    let clock = manual_clock();
    let memory = shared::app::AppContext::in_memory(clock.clone());
    let sdk = integration_tests::sdk_config_at("http://127.0.0.1:9").await;
    let dead = shared::adapters::aws::DynamoTable::new(aws_sdk_dynamodb::Client::new(&sdk), "t", clock.clone())
        .with_timeout(std::time::Duration::from_secs(2));
    let ports = shared::app::Ports {
        table: std::sync::Arc::new(dead),
        cache: memory.cache.clone(),
        queue: memory.queue.clone(),
        panel: memory.panel.clone(),
        workers: memory.workers.clone(),
        views: memory.views.clone(),
    };
    let ctx = shared::app::AppContext::new(clock, ports, "test");
    let event = confirmed(CustomerId::generate().as_str(), "unlucky", "unlucky@example.com");
    let refused = shared::handlers::user_pool(&routes::SIGNUP_CONFIRMED, &ctx, event).await.unwrap().unwrap_err();
    assert_eq!(refused, "Your account could not be set up just now; please try again in a minute.");
}
