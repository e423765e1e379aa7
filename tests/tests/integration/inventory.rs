//! Inventory on both backends: the capacity table follows the counters checkout, provisioning and
//! cancellation keep.

use integration_tests::TestApp;
use integration_tests::api::{Call, Caller};
use integration_tests::fixtures::{customer, shop_at_list_prices};
use serde_json::json;
use shared::domain::ServerId;
use shared::routes;
use shared::services::inventory::{BandChange, CapacityBand, CapacityBands, Slots, capacity, check_capacity_alerts};

integration_tests::on_both_backends!(
    a_held_order_shows_in_the_capacity_table_until_it_is_cancelled,
    a_server_alerts_when_it_crosses_into_a_higher_band_and_not_while_it_stays,
    racing_checks_raise_one_alert_per_crossing,
);

async fn a_held_order_shows_in_the_capacity_table_until_it_is_cancelled(app: TestApp) {
    let ctx = &app.ctx;
    let shop = shop_at_list_prices(ctx, 4, "1.00").await;
    let buyer = Caller::customer(&customer(ctx, "100").await);
    let order = Call::to(&routes::ORDERS_CREATE, &[])
        .by(&buyer)
        .json(json!({"server_id": shop.server.id, "plan_id": shop.plan.id, "quantity": 3, "payment_method": "wallet"}))
        .send(&app)
        .await;
    assert_eq!(order.status, 201, "{}", order.body);

    let table = capacity(ctx, &CapacityBands::default()).await.unwrap();
    let row = table.servers.iter().find(|s| s.server_id == shop.server.id).unwrap();
    assert_eq!(row.slots, Slots { total: 4, used: 0, held: 3, free: 1 }, "sold, not yet provisioned");
    assert_eq!((row.utilisation_percent, row.band), (Some(75.0), Some(CapacityBand::Warning)));
    assert_eq!(row.protocols, std::slice::from_ref(&shop.plan.protocol));
    let location = table.groups.iter().find(|g| g.location == shop.server.location && g.protocol.is_none()).unwrap();
    assert_eq!(location.slots.held, 3);

    let id = order.body["data"]["order"]["id"].as_str().unwrap().to_owned();
    let cancelled = Call::to(&routes::ORDERS_CANCEL, &[&id]).by(&buyer).send(&app).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    let after = capacity(ctx, &CapacityBands::default()).await.unwrap();
    let row = after.servers.iter().find(|s| s.server_id == shop.server.id).unwrap();
    assert_eq!((row.slots.held, row.slots.free, row.band), (0, 4, Some(CapacityBand::Low)), "the hold came back");
}

async fn order(app: &TestApp, buyer: &Caller, shop: &integration_tests::fixtures::Shop, quantity: u32) -> String {
    let body =
        json!({"server_id": shop.server.id, "plan_id": shop.plan.id, "quantity": quantity, "payment_method": "wallet"});
    let reply = Call::to(&routes::ORDERS_CREATE, &[]).by(buyer).json(body).send(app).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.body["data"]["order"]["id"].as_str().unwrap().to_owned()
}

/// The band changes of this server recorded by one check.
async fn check(app: &TestApp, server: &ServerId) -> Vec<BandChange> {
    let table = capacity(&app.ctx, &CapacityBands::default()).await.unwrap();
    let changes = check_capacity_alerts(&app.ctx, &table).await.unwrap();
    changes.into_iter().filter(|c| &c.server_id == server).collect()
}

fn seen(changes: &[BandChange]) -> Vec<(Option<CapacityBand>, CapacityBand, bool)> {
    changes.iter().map(|c| (c.from, c.to, c.alert_id.is_some())).collect()
}

async fn a_server_alerts_when_it_crosses_into_a_higher_band_and_not_while_it_stays(app: TestApp) {
    use CapacityBand::*;
    let shop = shop_at_list_prices(&app.ctx, 4, "1.00").await;
    let server = &shop.server.id;
    let buyer = Caller::customer(&customer(&app.ctx, "100").await);
    assert_eq!(seen(&check(&app, server).await), [(None, Low, false)], "first seen: recorded, nothing to say");
    let half = order(&app, &buyer, &shop, 2).await;
    assert_eq!(seen(&check(&app, server).await), [(Some(Low), Normal, false)]);
    let one = order(&app, &buyer, &shop, 1).await;
    assert_eq!(seen(&check(&app, server).await), [(Some(Normal), Warning, true)], "75 %: warning, alerted");
    assert!(check(&app, server).await.is_empty(), "still warning: no second alert");
    order(&app, &buyer, &shop, 1).await;
    assert_eq!(seen(&check(&app, server).await), [(Some(Warning), Critical, true)], "100 %: critical");
    for id in [&half, &one] {
        let reply = Call::to(&routes::ORDERS_CANCEL, &[id]).by(&buyer).send(&app).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    assert_eq!(seen(&check(&app, server).await), [(Some(Critical), Low, false)], "falling back is silent");
    order(&app, &buyer, &shop, 2).await;
    assert_eq!(seen(&check(&app, server).await), [(Some(Low), Warning, true)], "crossing up again alerts again");
    let recorded = app.ctx.stores.inventory.bands().await.unwrap();
    assert_eq!(recorded[server].band, Warning);
}

/// On the emulator the eight checks interleave at every call (all read "no band", all try to record it) and
/// the conditional write picks one: without its condition this fails. In memory no call waits, so the checks
/// run one after the other and the later ones find the band recorded.
async fn racing_checks_raise_one_alert_per_crossing(app: TestApp) {
    let shop = shop_at_list_prices(&app.ctx, 2, "1.00").await;
    let buyer = Caller::customer(&customer(&app.ctx, "100").await);
    order(&app, &buyer, &shop, 2).await;
    let table = capacity(&app.ctx, &CapacityBands::default()).await.unwrap();
    let checks = (0..8).map(|_| check_capacity_alerts(&app.ctx, &table));
    let results = futures_util::future::join_all(checks).await;
    let alerts: Vec<BandChange> = results
        .into_iter()
        .flat_map(Result::unwrap)
        .filter(|c| c.server_id == shop.server.id && c.alert_id.is_some())
        .collect();
    assert_eq!(alerts.len(), 1, "one alert for one crossing: {alerts:?}");
    assert_eq!(alerts[0].to, CapacityBand::Critical);
}
