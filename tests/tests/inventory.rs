//! Inventory on both backends: the capacity table follows the counters checkout, provisioning and
//! cancellation keep.

use integration_tests::TestApp;
use integration_tests::api::{Call, Caller};
use integration_tests::fixtures::{customer, shop_at_list_prices};
use serde_json::json;
use shared::services::inventory::{CapacityBand, CapacityBands, Slots, capacity};

integration_tests::on_both_backends!(a_held_order_shows_in_the_capacity_table_until_it_is_cancelled);

async fn a_held_order_shows_in_the_capacity_table_until_it_is_cancelled(app: TestApp) {
    let ctx = &app.ctx;
    let shop = shop_at_list_prices(ctx, 4, "1.00").await;
    let buyer = Caller::customer(&customer(ctx, "100").await);
    let order = Call::to("orders-create", &[])
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
    let cancelled = Call::to("orders-cancel", &[&id]).by(&buyer).send(&app).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    let after = capacity(ctx, &CapacityBands::default()).await.unwrap();
    let row = after.servers.iter().find(|s| s.server_id == shop.server.id).unwrap();
    assert_eq!((row.slots.held, row.slots.free, row.band), (0, 4, Some(CapacityBand::Low)), "the hold came back");
}
