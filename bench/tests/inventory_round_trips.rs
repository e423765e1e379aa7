//! `GET /admin/inventory` reads the store a fixed number of times however many servers there are: no
//! per-server query (a page holds 1,000 servers or plans, so only a bigger fleet adds pages).

use bench::counting::{Snapshot, counted_app};
use bench::fleet::seed_fleet;
use integration_tests::Backend;
use integration_tests::api::{Call, Caller};
use shared::routes;
use shared::services::inventory::{InventorySettings, run_check};

async fn overview_calls(servers: usize) -> Snapshot {
    let (app, counts) = counted_app(Backend::Memory).await;
    seed_fleet(&app, servers, 21).await;
    let check = run_check(&app.ctx, &InventorySettings::default()).await.unwrap();
    assert!(check.errors.is_empty(), "{:?}", check.errors);
    let before = counts.snapshot();
    let reply = Call::to(&routes::INVENTORY_GET, &[]).by(&Caller::Admin("ops".into())).send(&app).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["data"]["capacity"]["servers"].as_array().unwrap().len(), servers);
    assert!(reply.body["data"]["forecast"]["locations"].as_array().is_some_and(|l| l.len() == 8));
    counts.snapshot().since(&before)
}

#[tokio::test]
async fn the_overview_costs_the_same_reads_for_10_and_200_servers() {
    let few = overview_calls(10).await;
    let many = overview_calls(200).await;
    // The same calls; the queries return more items for more servers, which is what they read.
    let calls = |s: bench::counting::Snapshot| bench::counting::Snapshot { items_read: 0, ..s };
    assert_eq!(calls(few), calls(many), "no per-server call");
    // Servers, plans, band states, the forecast (an item per location), the latest check: one query each.
    assert_eq!((many.gets, many.batch_gets, many.queries), (0, 0, 5), "{many:?}");
    assert_eq!((many.transactions, many.single_writes, many.queue_sends), (0, 0, 0), "{many:?}");
}
