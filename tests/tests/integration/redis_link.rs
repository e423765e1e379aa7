//! The connection to Redis (`adapters::aws::RedisLink`): against the test Redis behind a link the test can
//! freeze or cut — a hanging Redis costs one short timeout, then calls fail at once until the break passes,
//! and a new connection replaces the one that hung — and against a Redis run as ElastiCache runs it (TLS only,
//! an AUTH token required): the functions' configuration connects with the token read from Secrets Manager
//! and trusts only the certificate authorities it is given.

use integration_tests::api::{Call, Caller};
use integration_tests::fixtures::customer;
use integration_tests::{TestApp, cuttable_redis_cache, manual_clock, stored_secret, tls_redis, unique};
use shared::adapters::aws::{
    QueueUrls, REDIS_BREAK_FOR, REDIS_COMMAND_LIMIT as COMMAND_LIMIT, RedisCache, RedisEndpoint, Secret,
};
use shared::app::AppContext;
use shared::config::{AwsSettings, SecretSetting};
use shared::error::PortError;
use shared::ports::Cache;
use shared::routes;
use std::time::Instant;

fn past_the_break() -> chrono::Duration {
    REDIS_BREAK_FOR + chrono::Duration::seconds(1)
}

#[tokio::test]
async fn a_hanging_redis_costs_one_short_timeout_then_fails_at_once_and_a_new_connection_follows() {
    let clock = manual_clock();
    let (cache, link) = cuttable_redis_cache(clock.clone()).await;
    cache.set("k", "v", None).await.unwrap();
    assert_eq!(link.connections_accepted(), 1);

    link.freeze();
    let started = Instant::now();
    let error = cache.get("k").await.unwrap_err();
    assert!(matches!(error, PortError::Timeout { .. }), "{error}");
    // The short limit, not the connection's 2 s response timeout (a wide margin over it for a loaded machine).
    assert!(started.elapsed() < COMMAND_LIMIT * 3, "waited {:?}", started.elapsed());
    let started = Instant::now();
    let error = cache.incr("counter", 1, None).await.unwrap_err();
    assert!(matches!(error, PortError::Unavailable { .. }), "{error}");
    assert!(started.elapsed() < COMMAND_LIMIT, "the link is broken: no wait, waited {:?}", started.elapsed());

    link.thaw();
    clock.advance(past_the_break());
    assert_eq!(cache.get("k").await.unwrap().as_deref(), Some("v"));
    // The connection that hung is not trusted again: a new one answered.
    assert_eq!(link.connections_accepted(), 2);
}

#[tokio::test]
async fn a_redis_that_went_away_is_left_alone_for_the_break_and_used_again_after() {
    let clock = manual_clock();
    let (cache, link) = cuttable_redis_cache(clock.clone()).await;
    cache.ping().await.unwrap();
    link.cut();
    assert!(matches!(cache.ping().await.unwrap_err(), PortError::Unavailable { .. }));
    link.restore();
    // Back, but the break has not passed: not called (no new connection was tried).
    let tried = link.connections_accepted();
    assert!(matches!(cache.ping().await.unwrap_err(), PortError::Unavailable { .. }));
    assert_eq!(link.connections_accepted(), tried);
    clock.advance(past_the_break());
    cache.ping().await.unwrap();
}

#[tokio::test]
async fn a_hanging_redis_delays_a_customers_request_by_one_short_timeout_at_most() {
    let (app, outage) = TestApp::with_cache_outage(integration_tests::Backend::Aws).await;
    let buyer = customer(&app.ctx, "20").await;
    let wallet = || Call::to(&routes::WALLET_GET, &[]).by(&Caller::customer(&buyer));
    assert_eq!(wallet().send(&app).await.status, 200);
    outage.freeze();
    // The rate limit fails open after the short limit; the cached view is not waited for again.
    let started = Instant::now();
    let reply = wallet().send(&app).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["data"]["balance"], "20");
    assert!(started.elapsed() < COMMAND_LIMIT * 3, "waited {:?}", started.elapsed());
}

/// The functions' own configuration (`AwsSettings` as `from_env` reads it) for the TLS Redis.
fn settings_for(url: &str, ca_file: Option<String>, auth_secret: Option<String>) -> AwsSettings {
    AwsSettings {
        table_name: unique("unused"),
        redis_url: url.to_owned(),
        redis_auth: auth_secret.map(SecretSetting::SecretsManager),
        redis_ca_file: ca_file,
        cache_prefix: format!("{}:", unique("tls")),
        store_urls: Default::default(),
        queue_urls: QueueUrls::default(),
        panel_username: String::new(),
        panel_password: SecretSetting::Value(String::new()),
        panel_scheme: "https".into(),
        worker_mappings: Default::default(),
        channels_app: None,
    }
}

fn ca_file(pem: &[u8]) -> String {
    let path = std::env::temp_dir().join(format!("{}.pem", unique("ca")));
    std::fs::write(&path, pem).unwrap();
    path.to_string_lossy().into_owned()
}

#[tokio::test]
async fn rediss_with_the_auth_token_from_secrets_manager_connects_as_the_functions_do() {
    let (url, ca, token) = tls_redis();
    let secret = stored_secret(&token).await;
    let ctx = AppContext::aws(&settings_for(&url, Some(ca_file(&ca)), Some(secret)), manual_clock())
        .await
        .expect("the functions' context");
    ctx.cache.ping().await.unwrap();
    ctx.cache.set("k", "v", None).await.unwrap();
    assert_eq!(ctx.cache.get("k").await.unwrap().as_deref(), Some("v"));
    let store = ctx.views.shared(shared::services::cache::StoreName::Default).unwrap();
    let info = store.server_info().await.unwrap();
    assert!(info.version.starts_with("redis 7"), "{info:?}");
    assert_eq!(info.mode, "standalone");
}

#[tokio::test]
async fn a_certificate_from_an_authority_not_trusted_is_refused() {
    let (url, _, token) = tls_redis();
    // Without the CA it was given, the link trusts Amazon's authorities only: the test CA's certificate fails.
    let endpoint = RedisEndpoint { url, ca_pem: None, auth: Some(Secret::value(token)) };
    let cache = RedisCache::connect_lazily(endpoint, unique("tls"), manual_clock()).unwrap();
    let error = cache.ping().await.unwrap_err();
    assert!(matches!(error, PortError::Unavailable { .. }), "{error}");
    assert!(error.to_string().to_lowercase().contains("certificate"), "refused for its certificate: {error}");
}

#[tokio::test]
async fn a_wrong_auth_token_or_none_is_unavailable() {
    let (url, ca, _) = tls_redis();
    for auth in [Some(Secret::value("not-the-token")), None] {
        let endpoint = RedisEndpoint { url: url.clone(), ca_pem: Some(ca.clone()), auth };
        let cache = RedisCache::connect_lazily(endpoint, unique("tls"), manual_clock()).unwrap();
        let error = cache.ping().await.unwrap_err();
        assert!(matches!(error, PortError::Unavailable { .. }), "{error}");
    }
}

#[tokio::test]
async fn a_secret_that_could_not_be_read_is_read_again_later() {
    let (url, ca, token) = tls_redis();
    let client = integration_tests::secrets_manager().await;
    let name = unique("secret");
    let clock = manual_clock();
    let endpoint =
        RedisEndpoint { url, ca_pem: Some(ca), auth: Some(Secret::secrets_manager(client.clone(), name.clone())) };
    let cache = RedisCache::connect_lazily(endpoint, unique("tls"), clock.clone()).unwrap();
    // Not created yet: unavailable (the read's failure is not kept).
    let error = cache.ping().await.unwrap_err();
    assert!(matches!(error, PortError::Unavailable { .. }), "{error}");
    client.create_secret().name(&name).secret_string(&token).send().await.unwrap();
    clock.advance(past_the_break());
    cache.ping().await.unwrap();
}

#[tokio::test]
async fn a_rotated_auth_token_is_read_again_when_redis_refuses_the_old_one() {
    let (url, ca, token) = tls_redis();
    let client = integration_tests::secrets_manager().await;
    let secret = stored_secret("the-token-before-rotation").await;
    let clock = manual_clock();
    let endpoint =
        RedisEndpoint { url, ca_pem: Some(ca), auth: Some(Secret::secrets_manager(client.clone(), &secret)) };
    let cache = RedisCache::connect_lazily(endpoint, unique("tls"), clock.clone()).unwrap();
    assert!(matches!(cache.ping().await.unwrap_err(), PortError::Unavailable { .. }), "the old token is refused");
    client.put_secret_value().secret_id(&secret).secret_string(&token).send().await.unwrap();
    clock.advance(past_the_break());
    cache.ping().await.expect("the rotated token, read again");
}
