//! The real-time registry on both backends: connections and their channels kept both ways, a subscription only
//! while its connection is registered, two tabs of one user as two connections of one subject, a forget that
//! leaves nothing (twice, or from two places at once), and every row gone with API Gateway's 2-hour limit.

use integration_tests::TestApp;
use serde_json::json;
use shared::domain::{CONNECTION_LIFETIME_SECS, Connection};

integration_tests::on_both_backends!(
    connections_and_channels_are_kept_both_ways_and_forgotten_together,
    a_connection_past_its_two_hours_is_gone_with_its_subscriptions,
);

fn connection(app: &TestApp, id: &str, subject: &str) -> Connection {
    Connection {
        connection_id: id.to_owned(),
        socket_id: realtime_socket_id(id),
        subject: subject.to_owned(),
        groups: Vec::new(),
        connected_at: app.ctx.clock.now(),
    }
}

fn realtime_socket_id(id: &str) -> String {
    shared::services::realtime::signature::socket_id_of(id)
}

async fn connections_and_channels_are_kept_both_ways_and_forgotten_together(app: TestApp) {
    let registry = &app.ctx.stores.connections;
    let (tab1, tab2, other) =
        (connection(&app, "c1=", "ann"), connection(&app, "c2=", "ann"), connection(&app, "c3=", "bo"));
    for c in [&tab1, &tab2, &other] {
        registry.register(c).await.unwrap();
    }
    registry.register(&tab1).await.unwrap();
    assert_eq!(registry.get("c1=").await.unwrap(), Some(tab1.clone()), "registering twice changes nothing");

    let ann = json!({"name": "Ann"});
    registry.subscribe(&tab1, &tab1.subject, "presence-support", &ann).await.unwrap();
    registry.subscribe(&tab2, &tab2.subject, "presence-support", &ann).await.unwrap();
    registry.subscribe(&other, &other.subject, "presence-support", &json!({"name": "Bo"})).await.unwrap();
    registry.subscribe(&tab1, &tab1.subject, "private-customer.ann", &json!(null)).await.unwrap();
    registry.subscribe(&tab1, &tab1.subject, "private-customer.ann", &json!(null)).await.unwrap();

    let mut on_support: Vec<(String, String)> = registry
        .subscribers("presence-support")
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.connection_id, s.subject))
        .collect();
    on_support.sort();
    assert_eq!(on_support, [("c1=".into(), "ann".into()), ("c2=".into(), "ann".into()), ("c3=".into(), "bo".into())]);
    let mut channels = registry.channels_of("c1=").await.unwrap();
    channels.sort();
    assert_eq!(channels, ["presence-support", "private-customer.ann"], "subscribing twice is one subscription");

    registry.unsubscribe("c2=", "presence-support").await.unwrap();
    registry.unsubscribe("c2=", "presence-support").await.unwrap();
    assert_eq!(registry.subscribers("presence-support").await.unwrap().len(), 2);
    assert!(registry.channels_of("c2=").await.unwrap().is_empty());

    // A connection forgotten ($disconnect, or gone on a post): its rows everywhere, once, whoever does it.
    let (first, second) = tokio::join!(registry.forget("c1="), registry.forget("c1="));
    let forgotten: Vec<Vec<String>> = [first, second].into_iter().map(Result::unwrap).collect();
    assert!(forgotten.iter().any(|c| c.len() == 2), "the channels it was on: {forgotten:?}");
    assert_eq!(registry.get("c1=").await.unwrap(), None);
    assert!(registry.subscribers("private-customer.ann").await.unwrap().is_empty());
    let left: Vec<String> =
        registry.subscribers("presence-support").await.unwrap().into_iter().map(|s| s.connection_id).collect();
    assert_eq!(left, ["c3="]);

    // A subscription needs its connection: a forgotten one cannot come back through a late subscribe.
    let late = registry.subscribe(&tab1, &tab1.subject, "presence-support", &ann).await;
    assert!(matches!(late, Err(shared::error::PortError::Conflict { .. })), "{late:?}");
    assert_eq!(registry.subscribers("presence-support").await.unwrap().len(), 1);
}

async fn a_connection_past_its_two_hours_is_gone_with_its_subscriptions(app: TestApp) {
    let registry = &app.ctx.stores.connections;
    let old = connection(&app, "old=", "ann");
    registry.register(&old).await.unwrap();
    registry.subscribe(&old, &old.subject, "presence-support", &json!({"name": "Ann"})).await.unwrap();
    app.clock.advance(chrono::Duration::seconds(CONNECTION_LIFETIME_SECS - 1));
    assert!(registry.get("old=").await.unwrap().is_some());
    assert_eq!(registry.subscribers("presence-support").await.unwrap().len(), 1);
    // API Gateway has closed it, with or without a $disconnect: no phantom member stays.
    app.clock.advance(chrono::Duration::seconds(1));
    assert_eq!(registry.get("old=").await.unwrap(), None);
    assert!(registry.subscribers("presence-support").await.unwrap().is_empty());
    assert!(registry.channels_of("old=").await.unwrap().is_empty());
    let late = registry.subscribe(&old, &old.subject, "presence-support", &json!(null)).await;
    assert!(late.is_err(), "a subscription on an expired connection: {late:?}");
}
