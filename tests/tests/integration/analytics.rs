//! `GET /admin/analytics` on both backends, against a small data set computed by hand (below), reached three
//! ways that must agree: the facts through the queue worker with every message delivered twice; the facts
//! applied directly in a scrambled order (cancellation before its order, sign-ups last), each twice; and bad
//! periods refused with a 422 naming the field.
//!
//! The data set (now: 2026-06-15 12:00 UTC; period 30d = 2026-05-17..06-15, previous 2026-04-17..05-16):
//! - dave: 1 Mar, 60 for 2 months on P1 (MRR 30), ends 1 May (churn 30). No sign-up fact.
//! - carol: 20 Apr, 10 for 1 month on P1 (MRR 10), ends 20 May (churn 10). No sign-up fact.
//! - alice (signed up 1 Jan, FR): deposit 100 on 19 May; a1 on 20 May, 90 for 3 months (MRR 30): two lines,
//!   P1 60 and P2 40, so 54 and 36 of the 90; a2 on 14 Jun, 30 for 1 month on P1 (expansion 30).
//! - bob (signed up 20 May, DE): b1 on 1 Jun, 20 for 1 month on P2 (MRR 20, new); b2 on 10 Jun, 40 for 1 month
//!   on P1 (expansion 40), cancelled on 12 Jun (refund 40, contraction 40).
//!
//! In the period: orders a1, b1, b2, a2 = 4, gross 180, refunds 40, net 140, AOV 45; the period before: carol's
//! order, 10. MRR at the start (end of 16 May) 10 (carol), 1 subscriber; movements new 50 (alice 30, bob 20),
//! expansion 70 (40 + 30), contraction 40, churn 10 (carol), net +70; at the end 80 (alice 60, bob 20), 2
//! subscribers, ARPU 40; customer churn 1 of 1 = 100 %; net MRR churn (10 + 40 - 70) / 10 = -200 %. Trailing
//! 90 days (18 Mar..15 Jun): 1 subscriber at the start (dave), 2 churned (dave, carol): 66.67 % a month, so
//! LTV = 40 / (2/3) = 60.

use integration_tests::api::{Call, Caller, Reply};
use integration_tests::fixtures::{Shop, dec, shop};
use integration_tests::{TestApp, deliver_every_message_twice};
use serde_json::{Value, json};
use shared::domain::*;
use shared::routes;
use shared::services::analytics::facts;

integration_tests::on_both_backends!(
    the_figures_match_the_hand_computed_data_set_through_the_worker,
    facts_applied_out_of_order_and_twice_leave_the_same_figures,
    a_bad_period_is_a_422_naming_its_field,
    performance_comes_from_the_telemetry_rolled_up_each_hour,
    the_live_figures_cover_five_minutes_an_hour_and_today,
    reports_are_stored_once_per_period_listed_newest_first_and_downloadable,
    a_backfill_from_the_source_records_agrees_with_what_the_worker_counts,
    a_closed_days_distinct_customers_fold_into_one_attribute_and_late_facts_still_count,
    top_customers_come_from_the_day_boards_and_ledgers_and_say_when_one_may_be_missing,
);

fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    s.parse().unwrap()
}

struct DataSet {
    orders: Vec<OrderFact>,
    cancellations: Vec<OrderFact>,
    sign_ups: Vec<CustomerFact>,
    deposits: Vec<DepositFact>,
}

/// The second plan, on a server in Île-de-France.
async fn paris_region(app: &TestApp, frankfurt: &Shop) -> Plan {
    let server = Server { id: ServerId::generate(), location: "Île-de-France".into(), ..frankfurt.server.clone() };
    app.ctx.stores.catalog.create_server(&server).await.unwrap();
    let plan = Plan { id: PlanId::generate(), server_id: server.id.clone(), ..frankfurt.plan.clone() };
    app.ctx.stores.catalog.create_plan(&plan).await.unwrap();
    plan
}

async fn data_set(app: &TestApp) -> DataSet {
    app.clock.set(at("2026-06-15T12:00:00Z"));
    let frankfurt = shop(&app.ctx, 100, "10.00").await;
    let p1 = frankfurt.plan.clone();
    let p2 = paris_region(app, &frankfurt).await;
    let line = |plan: &Plan, total: &str| OrderFactLine {
        plan_id: plan.id.clone(),
        server_id: plan.server_id.clone(),
        quantity: 1,
        total_amount: dec(total),
    };
    let order =
        |id: &str, who: &str, placed: &str, amount: &str, months: u32, ends: &str, lines: Vec<OrderFactLine>| {
            OrderFact {
                order_id: OrderId(id.into()),
                customer_id: CustomerId(who.into()),
                placed_at: at(placed),
                grand_amount: dec(amount),
                currency: "USD".into(),
                lines,
                payment_method: PaymentMethod::Wallet,
                duration_months: months,
                ends_at: Some(at(ends)),
                cancelled_at: None,
            }
        };
    let b2 = order("b2", "bob", "2026-06-10T09:00:00Z", "40", 1, "2026-07-10T09:00:00Z", vec![line(&p1, "40")]);
    DataSet {
        orders: vec![
            order("d1", "dave", "2026-03-01T10:00:00Z", "60", 2, "2026-05-01T10:00:00Z", vec![line(&p1, "60")]),
            order("c1", "carol", "2026-04-20T10:00:00Z", "10", 1, "2026-05-20T10:00:00Z", vec![line(&p1, "10")]),
            order(
                "a1",
                "alice",
                "2026-05-20T10:00:00Z",
                "90",
                3,
                "2026-08-18T10:00:00Z",
                vec![line(&p1, "60"), line(&p2, "40")],
            ),
            order("b1", "bob", "2026-06-01T09:00:00Z", "20", 1, "2026-07-01T09:00:00Z", vec![line(&p2, "20")]),
            b2.clone(),
            order("a2", "alice", "2026-06-14T08:00:00Z", "30", 1, "2026-07-14T08:00:00Z", vec![line(&p1, "30")]),
        ],
        cancellations: vec![OrderFact { cancelled_at: Some(at("2026-06-12T15:00:00Z")), ..b2 }],
        sign_ups: vec![
            CustomerFact {
                customer_id: CustomerId("alice".into()),
                created_at: at("2026-01-01T08:00:00Z"),
                country: Some("FR".into()),
            },
            CustomerFact {
                customer_id: CustomerId("bob".into()),
                created_at: at("2026-05-20T08:00:00Z"),
                country: Some("DE".into()),
            },
        ],
        deposits: vec![DepositFact {
            transaction_id: TransactionId("t-1".into()),
            customer_id: CustomerId("alice".into()),
            amount: dec("100"),
            at: at("2026-05-19T10:00:00Z"),
            method: PaymentMethod::Wallet,
        }],
    }
}

async fn analytics(app: &TestApp, query: &[(&str, &str)]) -> Reply {
    let query: Vec<String> = query.iter().map(|(name, value)| format!("{name}={value}")).collect();
    Call::to(&routes::ANALYTICS_GET, &[]).by(&Caller::Admin("ops".into())).query(&query.join("&")).send(app).await
}

/// A figure as text; a decimal without its trailing zeros ("45.00" and "45" are the same amount).
fn money(v: &Value) -> String {
    let text = v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string());
    text.parse::<rust_decimal::Decimal>().map(|d| d.normalize().to_string()).unwrap_or(text)
}

async fn assert_hand_computed(app: &TestApp) {
    let reply = analytics(app, &[("period", "30d")]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let data = &reply.body["data"];
    let business = &data["business"];
    let current = &business["current"];
    assert_eq!(
        [
            &current["gross"],
            &current["refunds"],
            &current["net"],
            &current["average_order_value"],
            &current["deposits"]
        ]
        .map(money),
        ["180", "40", "140", "45", "100"],
        "{business}"
    );
    assert_eq!((current["orders"].as_u64(), current["refunded_orders"].as_u64()), (Some(4), Some(1)));
    assert_eq!(current["clients_sold"], 5, "a1 has two lines");
    // alice: a1 90 + a2 30; bob: b1 20 + b2 40 - its refund 40. Every day's board listed all who bought.
    let top = &business["top_customers"];
    let listed: Vec<(String, String)> = top["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["customer_id"].as_str().unwrap().to_owned(), money(&c["net"])))
        .collect();
    assert_eq!(listed, [("alice".into(), "120".into()), ("bob".into(), "20".into())], "{top}");
    assert_eq!((&top["complete"], &top["others_at_most"]), (&json!(true), &Value::Null));
    assert_eq!([&business["previous"]["net"], &business["previous"]["average_order_value"]].map(money), ["10", "10"]);
    assert_eq!(
        [&business["change"]["net"], &business["change"]["orders"], &business["change"]["average_order_value"]]
            .map(money),
        ["1300", "300", "350"]
    );
    // P1: a1's 54, b2's 40 (refunded), a2's 30; P2: a1's 36 and b1's 20. Frankfurt sells P1, Île-de-France P2.
    let rows = |name: &str| -> Vec<(String, u64, String, String, String)> {
        current[name]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    money(&r["value"]),
                    r["orders"].as_u64().unwrap(),
                    money(&r["revenue"]),
                    money(&r["net"]),
                    money(&r["share"]),
                )
            })
            .collect()
    };
    assert_eq!(
        rows("by_location"),
        [
            ("Frankfurt".into(), 3, "124".into(), "84".into(), "60".into()),
            ("Île-de-France".into(), 2, "56".into(), "56".into(), "40".into())
        ]
    );
    assert_eq!(
        rows("by_plan").iter().map(|r| (r.1, r.3.clone())).collect::<Vec<_>>(),
        [(3, "84".into()), (2, "56".into())]
    );
    assert_eq!(rows("by_payment_method"), [("wallet".into(), 4, "180".into(), "140".into(), "100".into())]);

    let mrr = &business["mrr"];
    assert_eq!(
        [&mrr["at_start"], &mrr["at_end"], &mrr["arpu"], &mrr["ltv"]].map(money),
        ["10", "80", "40", "60"],
        "{mrr}"
    );
    assert_eq!((mrr["subscribers_at_start"].as_u64(), mrr["subscribers_at_end"].as_u64()), (Some(1), Some(2)));
    let moved = &mrr["movements"];
    assert_eq!(
        ["new", "expansion", "contraction", "churn", "reactivation", "net"].map(|k| money(&moved[k])),
        ["50", "70", "40", "10", "0", "70"],
        "{moved}"
    );
    assert_eq!((moved["new_customers"].as_u64(), moved["churned_customers"].as_u64()), (Some(2), Some(1)));
    assert_eq!(
        [&mrr["customer_churn_rate"], &mrr["net_mrr_churn_rate"], &mrr["trailing_monthly_churn_rate"]].map(money),
        ["100", "-200", "66.67"]
    );

    let users = &data["users"];
    let now = &users["current"];
    assert_eq!(
        ["new_customers", "active_customers", "first_time_buyers", "orders"].map(|k| now[k].as_u64().unwrap()),
        [1, 2, 2, 4],
        "{users}"
    );
    assert_eq!(money(&now["orders_per_customer"]), "2");
    assert_eq!(
        ["new_customers", "active_customers", "first_time_buyers"].map(|k| users["previous"][k].as_u64().unwrap()),
        [0, 1, 1]
    );
    // Four buyers so far (dave, carol, alice, bob), one of whom bought twice (alice: bob's second was refunded).
    assert_eq!(money(&users["repeat_purchase_rate"]), "25");
    let cohorts: Vec<(String, u64)> = users["cohorts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (money(&c["month"]), c["customers"].as_u64().unwrap()))
        .collect();
    assert_eq!(cohorts, [("2026-03".into(), 1), ("2026-04".into(), 1), ("2026-05".into(), 1), ("2026-06".into(), 1)]);
    let may = &users["cohorts"][2]["retained"];
    assert_eq!(
        may,
        &json!([
            {"month_offset": 0, "customers": 1, "rate": "100", "revenue": "90.00"},
            {"month_offset": 1, "customers": 1, "rate": "100", "revenue": "30.00"}
        ])
    );
    // Forecasts from the daily totals up to yesterday: history from dave's first order (1 Mar), 30 days ahead.
    let forecasts = &data["forecasts"];
    assert_eq!((forecasts["granularity"].as_str(), forecasts["horizon"].as_u64()), (Some("daily"), Some(30)));
    assert_eq!(
        (forecasts["history_from"].as_str(), forecasts["history_to"].as_str()),
        (Some("2026-01-01"), Some("2026-06-14"))
    );
    let revenue = &forecasts["series"][0];
    assert_eq!(
        (revenue["metric"].as_str(), revenue["status"].as_str()),
        (Some("revenue"), Some("forecast")),
        "{revenue}"
    );
    assert_eq!(revenue["points"].as_array().unwrap().len(), 30);
    assert_eq!(revenue["points"][0]["period"], "2026-06-15");
    assert_eq!(revenue["history"].as_array().unwrap().len(), 165, "1 Jan (alice's sign-up) to 14 Jun");
    let segments = |name: &str| -> Vec<(String, u64, String)> {
        users["segments"][name]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (money(&s["value"]), s["customers"].as_u64().unwrap(), money(&s["revenue"])))
            .collect()
    };
    assert_eq!(segments("by_tier"), [("basic".into(), 3, "90".into()), ("bronze".into(), 1, "120".into())]);
    // Frankfurt sells P1 (a1's 54, b2's 40 refunded, a2's 30), Île-de-France P2 (a1's 36, b1's 20); over 30 days.
    let servers = &data["servers"];
    let location =
        |name: &str| servers["locations"].as_array().unwrap().iter().find(|l| l["location"] == name).unwrap().clone();
    let (frankfurt, paris_region) = (location("Frankfurt"), location("Île-de-France"));
    assert_eq!(["orders", "clients_sold"].map(|k| frankfurt["sales"][k].as_u64().unwrap()), [3, 3], "{frankfurt}");
    let sales = &frankfurt["sales"];
    assert_eq!(
        [&sales["revenue"], &sales["revenue_per_day"], &sales["clients_sold_per_day"]].map(money),
        ["84", "2.8", "0.1"]
    );
    let sales = &paris_region["sales"];
    assert_eq!([&sales["revenue"], &sales["revenue_per_day"]].map(money), ["56", "1.87"], "{paris_region}");
    assert_eq!(sales["orders"], 2);
    assert_eq!(servers["servers"].as_array().unwrap().len(), 2);
    assert_eq!(frankfurt["capacity"], 100);
    assert_eq!(
        segments("by_country"),
        [("unknown".into(), 2, "70".into()), ("DE".into(), 1, "20".into()), ("FR".into(), 1, "120".into())]
    );
}

async fn the_figures_match_the_hand_computed_data_set_through_the_worker(app: TestApp) {
    let data = data_set(&app).await;
    use shared::services::events;
    for fact in &data.sign_ups {
        events::record_sign_up(&app.ctx, fact).await;
    }
    for fact in &data.deposits {
        events::record_deposit(&app.ctx, fact).await;
    }
    for fact in &data.orders {
        events::record_fact(&app.ctx, fact).await;
    }
    // The order's fact first, so the demand counters can take the cancellation back out at once.
    deliver_every_message_twice(&app, Priority::Analytics).await;
    for fact in &data.cancellations {
        events::record_cancellation(&app.ctx, fact).await;
    }
    deliver_every_message_twice(&app, Priority::Analytics).await;
    assert_hand_computed(&app).await;
}

async fn facts_applied_out_of_order_and_twice_leave_the_same_figures(app: TestApp) {
    let data = data_set(&app).await;
    let ctx = &app.ctx;
    for _ in 0..2 {
        for fact in &data.cancellations {
            facts::record_cancellation(ctx, fact, fact.cancelled_at.unwrap()).await.unwrap();
        }
        for fact in data.orders.iter().rev() {
            facts::record_order(ctx, fact).await.unwrap();
        }
        for fact in &data.deposits {
            facts::record_deposit(ctx, fact).await.unwrap();
        }
        for fact in &data.sign_ups {
            facts::record_sign_up(ctx, fact).await.unwrap();
        }
    }
    assert_hand_computed(&app).await;
    // A value past ASCII in the window's last bucket (b1, 1 June, in Île-de-France) is read like the others.
    let last_day = analytics(&app, &[("period", "custom"), ("from", "2026-05-20"), ("to", "2026-06-01")]).await;
    let locations = &last_day.body["data"]["business"]["current"]["by_location"];
    let region = locations.as_array().unwrap().iter().find(|l| l["value"] == "Île-de-France").unwrap();
    assert_eq!(money(&region["net"]), "56", "a1's 36 and b1's 20: {locations}");
    // Two facts of one customer at once: both land (the ledger's version makes one of them read again).
    let c = |id: &str, day: &str| OrderFact {
        order_id: OrderId(id.into()),
        placed_at: at(day),
        ends_at: Some(at(day) + chrono::Duration::days(30)),
        ..data.orders[0].clone()
    };
    let (first, second) = (c("d2", "2026-06-15T09:00:00Z"), c("d3", "2026-06-15T10:00:00Z"));
    let results = integration_tests::race([facts::record_order(ctx, &first), facts::record_order(ctx, &second)]).await;
    assert!(results.iter().all(|r| matches!(r, Ok(true))), "{results:?}");
    let today = analytics(&app, &[("period", "today")]).await;
    assert_eq!(today.body["data"]["business"]["current"]["orders"], 2, "{}", today.body);
    // Against the same hours yesterday: a2, at 08:00.
    assert_eq!(today.body["data"]["business"]["previous"]["orders"], 1);
}

async fn a_bad_period_is_a_422_naming_its_field(app: TestApp) {
    app.clock.set(at("2026-06-15T12:00:00Z"));
    for (query, field) in [
        (vec![("period", "2w")], "period"),
        (vec![("period", "custom")], "from"),
        (vec![("period", "custom"), ("from", "2026-06-01"), ("to", "soon")], "to"),
        (vec![("period", "custom"), ("from", "2026-06-10"), ("to", "2026-06-01")], "from"),
        (vec![("period", "custom"), ("from", "2026-06-10"), ("to", "2026-07-01")], "to"),
        (vec![("period", "custom"), ("from", "2020-01-01"), ("to", "2026-06-01")], "from"),
        (vec![("period", "custom"), ("from", "1999-12-31"), ("to", "2026-06-01")], "from"),
        (vec![("to", "null")], "to"),
        (vec![("period", "7d"), ("from", "2026-06-01")], "from"),
        (vec![("forecast", "hourly")], "forecast"),
        (vec![("horizon", "0")], "horizon"),
        (vec![("forecast", "weekly"), ("horizon", "27")], "horizon"),
        (vec![("horizon", "ten")], "horizon"),
    ] {
        let reply = analytics(&app, &query).await;
        assert_eq!(reply.status, 422, "{query:?}: {}", reply.body);
        assert!(reply.body["errors"][field].is_array(), "{query:?}: {}", reply.body);
    }
    // An empty shop: zeros and n/a, never an error.
    let reply = analytics(&app, &[("period", "custom"), ("from", "2026-06-01"), ("to", "2026-06-15")]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["data"]["business"]["current"]["orders"], 0);
    assert_eq!(reply.body["data"]["business"]["mrr"]["ltv"], "n/a: no subscribers");
    let revenue = &reply.body["data"]["forecasts"]["series"][0];
    assert_eq!(revenue["status"], "not_enough_history", "{revenue}");
    assert_eq!(revenue["message"], "not enough history: 0 days recorded, 14 needed");
    assert_eq!(Call::to(&routes::ANALYTICS_GET, &[]).by(&Caller::customer(&"c-1")).send(&app).await.status, 403);
}

/// Requests, jobs and health checks counted in the cache, copied to the store by the hourly roll-up (run twice:
/// the same items), and read back per function, job type and trailing window:
/// - orders-list: 10 requests, 8 fast (<= 5 ms), a 404 at 40 ms and a 500 at 700 ms: 10 % client errors, 10 %
///   server errors, p50 5 ms, p95 and p99 1 s (the 10th request's bucket);
/// - pricing-quote: 5 priced and one refused (422): 5 quotes;
/// - order.provision: 3 runs done in 100 ms, one failed for good in 200 ms: 25 % failed, 125 ms on average;
/// - three health checks: healthy, degraded, critical: 2 of 3 up (66.67 %), 3 of the day's 288 recorded.
async fn performance_comes_from_the_telemetry_rolled_up_each_hour(app: TestApp) {
    use shared::services::request_metrics::{RequestSample, write};
    use std::time::Duration as Std;
    app.clock.set(at("2026-06-15T11:20:00Z"));
    let now = app.ctx.clock.now();
    let sample = |function: &'static str, status: u16, ms: u64| RequestSample {
        function,
        status,
        latency: Std::from_millis(ms),
        at: now,
        store_throttled: 0,
        customer: None,
    };
    let mut batch: Vec<RequestSample> = (0..8).map(|_| sample("orders-list", 200, 3)).collect();
    batch.extend([sample("orders-list", 404, 40), sample("orders-list", 500, 700)]);
    batch.extend((0..5).map(|_| sample("pricing-quote", 200, 20)));
    batch.push(sample("pricing-quote", 422, 2));
    write(&*app.ctx.cache, &batch).await;
    use shared::services::queues::metrics::{JobSample, SampleOutcome, record};
    let job = |ms: u64, outcome| JobSample {
        queue: Some(Priority::High),
        job_type: shared::services::provisioning::PROVISION_JOB.into(),
        runtime: Std::from_millis(ms),
        waited: None,
        outcome,
    };
    let jobs: Vec<JobSample> =
        (0..3).map(|_| job(100, SampleOutcome::Done)).chain([job(200, SampleOutcome::Failed { dead: true })]).collect();
    record(&*app.ctx.cache, &jobs, now).await;
    for (minute, outcome) in [(0, 2), (5, 1), (10, 0)] {
        let at = at("2026-06-15T11:00:00Z") + chrono::Duration::minutes(minute);
        app.ctx.stores.analytics.record_check(at, outcome).await.unwrap();
    }

    // Provisioning on the shop's server: two calls of 100 ms and a failed one of 400 ms; one order completed, one
    // disputed. 66.67 % of the calls succeeded, 200 ms on average, 400 at most; half the orders provisioned.
    let frankfurt = shop(&app.ctx, 10, "5.00").await;
    use shared::services::panel_metrics::{Outcome, PanelCall, record as record_calls};
    let call = |ms: u64, ok: bool| PanelCall { server: frankfurt.server.id.clone(), latency: Std::from_millis(ms), ok };
    let involved = [frankfurt.server.id.clone()];
    record_calls(&*app.ctx.cache, &[call(100, true), call(100, true)], Some((Outcome::Completed, &involved)), now)
        .await;
    record_calls(&*app.ctx.cache, &[call(400, false)], Some((Outcome::Disputed, &involved)), now).await;

    for _ in 0..2 {
        let run = shared::handlers::scheduled(&routes::ANALYTICS_ROLLUP, &app.ctx, json!({})).await.unwrap();
        let report = run.unwrap();
        assert_eq!(
            ["function_hours", "job_type_hours", "server_hours"].map(|k| report[k].as_u64().unwrap()),
            [2, 1, 1],
            "{report}"
        );
    }

    // A counter the cache lost (evicted, cleared) reads as 0: the copy made before it stands.
    let hour = now.timestamp().div_euclid(3600);
    app.ctx.cache.delete(&format!("req:orders-list:h:{hour}:n")).await.unwrap();
    shared::handlers::scheduled(&routes::ANALYTICS_ROLLUP, &app.ctx, json!({})).await.unwrap().unwrap();

    for period in ["today", "7d"] {
        let reply = analytics(&app, &[("period", period)]).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let performance = &reply.body["data"]["performance"];
        let list =
            performance["functions"].as_array().unwrap().iter().find(|f| f["function"] == "orders-list").unwrap();
        assert_eq!(list["route"], "GET /api/orders", "{period}: {list}");
        assert_eq!(list["requests"], 10);
        assert_eq!([&list["client_error_rate"], &list["server_error_rate"]].map(money), ["10", "10"]);
        assert_eq!([&list["p50_ms"], &list["p95_ms"], &list["p99_ms"]], [&json!(5), &json!(1000), &json!(1000)]);
        assert_eq!(performance["slowest_routes"][0]["function"], "orders-list", "{period}");
        let provision = &performance["jobs"][0];
        assert_eq!(provision["job_type"], "order.provision");
        assert_eq!((provision["runs"].as_u64(), provision["failed_for_good"].as_u64()), (Some(4), Some(1)));
        assert_eq!([&provision["failure_rate"], &provision["average_runtime_ms"]].map(money), ["25", "125"]);
        let day = &performance["uptime"][0];
        assert_eq!(day["window"], "24h");
        assert_eq!(
            ["checks", "up", "healthy", "expected_checks"].map(|k| day[k].as_u64().unwrap()),
            [3, 2, 1, 288],
            "{day}"
        );
        assert_eq!([&day["uptime_percent"], &day["coverage_percent"]].map(money), ["66.67", "1.04"]);
        assert_eq!(performance["uptime"][2]["checks"], 3, "30 days: today's hours");
        let provisioning = &reply.body["data"]["servers"]["servers"][0]["provisioning"];
        assert_eq!(
            ["panel_calls", "failed_calls", "orders_completed", "orders_disputed"]
                .map(|k| provisioning[k].as_u64().unwrap()),
            [3, 1, 1, 1],
            "{period}: {provisioning}"
        );
        assert_eq!(
            ["call_success_rate", "average_latency_ms", "max_latency_ms", "order_success_rate"]
                .map(|k| money(&provisioning[k])),
            ["66.67", "200", "400", "50"]
        );
        let sales = &reply.body["data"]["business"]["current"];
        assert_eq!((sales["quotes"].as_u64(), sales["orders"].as_u64()), (Some(5), Some(0)), "{period}");
    }
}

/// The cache down: the roll-up fails (EventBridge retries it) and writes nothing half; back up, the next run
/// copies the hours it missed.
#[tokio::test]
async fn the_roll_up_fails_while_the_cache_is_down_and_catches_up_after() {
    use shared::services::request_metrics::{RequestSample, write};
    let (app, outage) = TestApp::with_cache_outage(integration_tests::Backend::Aws).await;
    let now = app.ctx.clock.now();
    let batch: Vec<RequestSample> = (0..4)
        .map(|_| RequestSample {
            function: "orders-list",
            status: 200,
            latency: std::time::Duration::from_millis(3),
            at: now,
            store_throttled: 0,
            customer: None,
        })
        .collect();
    write(&*app.ctx.cache, &batch).await;
    outage.stop();
    let failed = shared::handlers::scheduled(&routes::ANALYTICS_ROLLUP, &app.ctx, json!({})).await.unwrap();
    assert!(failed.is_err(), "{failed:?}");
    // The analytics read the store: without the cache the forecasts are fitted on the spot; the live figures,
    // which are in the cache, are a 503 in the envelope.
    let reply = analytics(&app, &[("period", "7d")]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["data"]["forecasts"]["series"].as_array().map(Vec::len), Some(4), "{}", reply.body);
    let live = Call::to(&routes::ANALYTICS_REALTIME, &[]).by(&Caller::Admin("ops".into())).send(&app).await;
    assert_eq!((live.status, live.body["error_code"].as_str()), (503, Some("service_unavailable")), "{}", live.body);
    outage.restart();
    // Two hours later (past the Redis link's breaker too): the missed hour is among the ones copied.
    app.clock.advance(chrono::Duration::hours(2));
    let run = shared::handlers::scheduled(&routes::ANALYTICS_ROLLUP, &app.ctx, json!({})).await.unwrap().unwrap();
    assert_eq!(run["function_hours"], 1, "{run}");
    let reply = analytics(&app, &[("period", "7d")]).await;
    let list = &reply.body["data"]["performance"]["functions"][0];
    assert_eq!((list["function"].as_str(), list["requests"].as_u64()), (Some("orders-list"), Some(4)), "{list}");
}

/// Orders at 02:00, 10:50 and 11:18 (10, 20 and 30), requests from three customers at 10:40, 11:17 and 11:19
/// and one through the API, two jobs waiting on `low`: at 11:20, 5 minutes hold one order (30), the hour two
/// (50), today three (60).
async fn the_live_figures_cover_five_minutes_an_hour_and_today(app: TestApp) {
    use shared::services::request_metrics::{RequestSample, write};
    let data = data_set(&app).await;
    app.clock.set(at("2026-06-15T11:20:00Z"));
    for (id, placed, amount) in [
        ("r1", "2026-06-15T02:00:00Z", "10"),
        ("r2", "2026-06-15T10:50:00Z", "20"),
        ("r3", "2026-06-15T11:18:00Z", "30"),
    ] {
        let fact = OrderFact {
            order_id: OrderId(id.into()),
            placed_at: at(placed),
            grand_amount: dec(amount),
            ends_at: Some(at(placed) + chrono::Duration::days(30)),
            ..data.orders[0].clone()
        };
        assert!(facts::record_order(&app.ctx, &fact).await.unwrap());
        // A redelivery counts nothing twice, live or in the store.
        assert!(!facts::record_order(&app.ctx, &fact).await.unwrap());
    }
    let sample = |customer: &str, at: &str, status: u16| RequestSample {
        function: "orders-list",
        status,
        latency: std::time::Duration::from_millis(30),
        at: self::at(at),
        store_throttled: 0,
        customer: Some(customer.into()),
    };
    write(
        &*app.ctx.cache,
        &[
            sample("c-1", "2026-06-15T10:40:00Z", 200),
            sample("c-2", "2026-06-15T11:17:00Z", 500),
            sample("c-3", "2026-06-15T11:19:00Z", 200),
            sample("c-3", "2026-06-15T11:19:30Z", 200),
        ],
    )
    .await;
    // Through the edge: the caller is counted among the active customers (an admin is not).
    let customer = Caller::customer(&"c-4");
    assert_eq!(Call::to(&routes::ORDERS_LIST, &[]).by(&customer).send(&app).await.status, 200);
    app.ctx.flush_request_metrics().await;
    for _ in 0..2 {
        app.ctx.queue.send(shared::ports::QueueRef::Main(Priority::Low), "{}", None).await.unwrap();
    }

    let reply = Call::to(&routes::ANALYTICS_REALTIME, &[]).by(&Caller::Admin("ops".into())).send(&app).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let data = &reply.body["data"];
    let window = |i: usize| &data["windows"][i];
    assert_eq!(
        ["5m", "1h", "today"].map(|w| w.to_owned()),
        [0, 1, 2].map(|i| window(i)["window"].as_str().unwrap().to_owned())
    );
    assert_eq!([0, 1, 2].map(|i| window(i)["orders"].as_u64().unwrap()), [1, 2, 3], "{data}");
    assert_eq!([0, 1, 2].map(|i| money(&window(i)["revenue"])), ["30", "50", "60"]);
    // 5 minutes: c-2's 500, c-3 twice, c-4 through the API; the hour adds c-1.
    assert_eq!([0, 1, 2].map(|i| window(i)["requests"].as_u64().unwrap()), [4, 5, 5]);
    assert_eq!([0, 1, 2].map(|i| window(i)["active_customers"].as_u64().unwrap()), [3, 4, 4]);
    assert_eq!(money(&window(0)["error_rate"]), "25");
    assert_eq!(money(&window(0)["requests_per_minute"]), "0.8");
    assert_eq!(window(1)["p95_ms"], 50);
    let low = data["queues"].as_array().unwrap().iter().find(|q| q["queue"] == "low").unwrap();
    assert_eq!(low["waiting"], 2, "{low}");
    assert_eq!(data["health"]["status"], "unknown");
    assert_eq!(Call::to(&routes::ANALYTICS_REALTIME, &[]).by(&customer).send(&app).await.status, 403);
}

/// The data set's reports as of Monday 15 June: the day before (14 Jun: a2, 30), the ISO week before (8-14 Jun:
/// b2 40 refunded on the 12th, a2 30; the week before it had b1, 20), the month before (May: a1, 90; April had
/// c1, 10).
async fn reports_are_stored_once_per_period_listed_newest_first_and_downloadable(app: TestApp) {
    use shared::services::analytics::reports::{ReportKind, generate_report};
    let data = data_set(&app).await;
    apply_directly(&app, &data).await;
    let admin = Caller::Admin("ops".into());
    for (route, id) in [
        (&routes::ANALYTICS_REPORT_DAILY, "daily-2026-06-14"),
        (&routes::ANALYTICS_REPORT_WEEKLY, "weekly-2026-06-08"),
        (&routes::ANALYTICS_REPORT_MONTHLY, "monthly-2026-05-01"),
    ] {
        let first = shared::handlers::scheduled(route, &app.ctx, json!({})).await.unwrap().unwrap();
        assert_eq!((first["outcome"].as_str(), first["report"]["id"].as_str()), (Some("created"), Some(id)), "{first}");
        let again = shared::handlers::scheduled(route, &app.ctx, json!({})).await.unwrap().unwrap();
        assert_eq!(again["outcome"], "exists", "a retried run keeps the report");
    }
    let report = |id: &str| Call::to(&routes::ANALYTICS_REPORT_GET, &[id]).by(&admin);
    let business = |reply: &Reply| reply.body["data"]["business"].clone();
    let daily = business(&report("daily-2026-06-14").send(&app).await);
    assert_eq!([&daily["current"]["gross"], &daily["previous"]["gross"]].map(money), ["30", "0"], "{daily}");
    let weekly = business(&report("weekly-2026-06-08").send(&app).await);
    assert_eq!(
        [
            &weekly["current"]["gross"],
            &weekly["current"]["refunds"],
            &weekly["current"]["net"],
            &weekly["previous"]["net"]
        ]
        .map(money),
        ["70", "40", "30", "20"],
        "{weekly}"
    );
    let monthly = business(&report("monthly-2026-05-01").send(&app).await);
    assert_eq!([&monthly["current"]["net"], &monthly["previous"]["net"]].map(money), ["90", "10"]);

    // Newest period first, paged.
    let listed = Call::to(&routes::ANALYTICS_REPORTS, &[]).by(&admin).query("limit=2").send(&app).await;
    let ids: Vec<&str> =
        listed.body["data"]["reports"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["daily-2026-06-14", "weekly-2026-06-08"]);
    let cursor = listed.body["data"]["next_cursor"].as_str().unwrap().to_owned();
    let rest = Call::to(&routes::ANALYTICS_REPORTS, &[])
        .by(&admin)
        .query(&format!("limit=2&cursor={cursor}"))
        .send(&app)
        .await;
    assert_eq!(rest.body["data"]["reports"][0]["id"], "monthly-2026-05-01", "{}", rest.body);

    // A forced run replaces the report and says so.
    let replaced = generate_report(&app.ctx, ReportKind::Daily, None, true).await.unwrap();
    assert_eq!(replaced.outcome, "replaced");
    assert_eq!(replaced.report.replaced_at, Some(app.ctx.clock.now()));
    let reread = report("daily-2026-06-14").send(&app).await;
    assert_eq!(money(&reread.body["data"]["business"]["current"]["gross"]), "30", "the new generation, whole");
    // A period that has not ended is not reported; two runs at once store one report.
    let today = app.ctx.clock.now().date_naive();
    assert!(generate_report(&app.ctx, ReportKind::Weekly, Some(today), false).await.is_err());
    let runs = integration_tests::race([
        generate_report(&app.ctx, ReportKind::Daily, Some(at("2026-06-10T00:00:00Z").date_naive()), false),
        generate_report(&app.ctx, ReportKind::Daily, Some(at("2026-06-10T00:00:00Z").date_naive()), false),
    ])
    .await;
    let mut outcomes: Vec<&str> = runs.iter().map(|r| r.as_ref().unwrap().outcome).collect();
    outcomes.sort();
    assert_eq!(outcomes, ["created", "exists"]);

    // Downloads: every table in a zip, one table as CSV.
    let zip = report("weekly-2026-06-08").query("format=csv").send(&app).await;
    assert_eq!(zip.status, 200);
    assert_eq!(zip.header("content-type"), Some("application/zip"));
    assert_eq!(zip.header("content-disposition"), Some("attachment; filename=\"weekly-2026-06-08.zip\""));
    assert!(zip.bytes.starts_with(b"PK"), "a zip archive");
    let text = |bytes: &[u8]| String::from_utf8(bytes.to_vec()).unwrap();
    assert!(zip.bytes.windows(19).any(|w| w == b"revenue_by_plan.csv"), "the tables are in it");
    let plans = report("weekly-2026-06-08").query("format=csv&table=revenue_by_plan").send(&app).await;
    assert_eq!(plans.header("content-type"), Some("text/csv; charset=utf-8"));
    let csv = text(&plans.bytes);
    assert!(csv.starts_with("value,net,orders,refunds,revenue,share\n"), "{csv}");
    assert_eq!(csv.lines().count(), 2, "P1 only (b2 and a2): {csv}");
    // Bad requests.
    assert_eq!(report("daily-2030-01-01").send(&app).await.status, 404);
    assert_eq!(report("not-a-report").send(&app).await.status, 404);
    let alone = report("weekly-2026-06-08").query("table=revenue_by_plan").send(&app).await;
    assert_eq!(alone.bytes, plans.bytes, "a table alone is its CSV");
    for query in ["format=pdf", "format=json&table=servers", "format=csv&table=nope"] {
        let reply = report("daily-2026-06-14").query(query).send(&app).await;
        assert_eq!(reply.status, 422, "{query}: {}", reply.body);
    }
    assert_eq!(report("daily-2026-06-14").by(&Caller::customer(&"c-1")).send(&app).await.status, 403);
}

async fn apply_directly(app: &TestApp, data: &DataSet) {
    for fact in &data.orders {
        facts::record_order(&app.ctx, fact).await.unwrap();
    }
    for fact in &data.cancellations {
        facts::record_cancellation(&app.ctx, fact, fact.cancelled_at.unwrap()).await.unwrap();
    }
    for fact in &data.deposits {
        facts::record_deposit(&app.ctx, fact).await.unwrap();
    }
    for fact in &data.sign_ups {
        facts::record_sign_up(&app.ctx, fact).await.unwrap();
    }
}

/// Orders placed through checkout, one cancelled, while the analytics worker is not running: the backfill
/// rebuilds their facts from the orders, wallets and customers; the worker's delivery afterwards changes
/// nothing, nor does a second backfill. Then orders the worker counts first: a backfill finds them counted.
async fn a_backfill_from_the_source_records_agrees_with_what_the_worker_counts(app: TestApp) {
    use integration_tests::fixtures::{customer, order_of, shop_at_list_prices};
    use shared::services::analytics::backfill::backfill;
    use shared::services::orders::{cancel, place};
    let ctx = &app.ctx;
    let shop = shop_at_list_prices(ctx, 20, "10.00").await;
    let (alice, bob) = (customer(ctx, "100").await, customer(ctx, "100").await);
    let kept = place(ctx, &alice, order_of(&shop.plan, 2, 1), None).await.unwrap();
    let cancelled = place(ctx, &bob, order_of(&shop.plan, 1, 1), None).await.unwrap();
    cancel(ctx, &bob, &cancelled.order.id).await.unwrap();
    let today = ctx.clock.now().date_naive();
    let figures = |reply: Reply| {
        let data = &reply.body["data"];
        (data["business"]["current"].clone(), data["business"]["mrr"].clone(), data["users"]["current"].clone())
    };

    let first = backfill(ctx, today, today).await.unwrap();
    assert_eq!(
        [first.orders, first.cancellations, first.deposits, first.sign_ups].map(|c| (c.found, c.applied)),
        [(2, 2), (1, 1), (2, 2), (2, 2)],
        "{first:?}"
    );
    let rebuilt = figures(analytics(&app, &[("period", "7d")]).await);
    let (sales, _, users) = &rebuilt;
    assert_eq!((sales["orders"].as_u64(), sales["refunded_orders"].as_u64()), (Some(2), Some(1)), "{sales}");
    assert_eq!(money(&sales["net"]), money(&json!(kept.order.grand_amount.to_string())));
    assert_eq!(money(&sales["deposits"]), "200");
    assert_eq!((users["new_customers"].as_u64(), users["first_time_buyers"].as_u64()), (Some(2), Some(1)));

    integration_tests::drain(&app, Priority::Analytics).await;
    assert_eq!(figures(analytics(&app, &[("period", "7d")]).await), rebuilt, "the worker's facts were counted already");
    let second = backfill(ctx, today, today).await.unwrap();
    assert_eq!([second.orders, second.sign_ups].map(|c| c.applied), [0, 0]);
    assert_eq!(figures(analytics(&app, &[("period", "7d")]).await), rebuilt);

    // The other way round: the worker first, the backfill after.
    place(ctx, &alice, order_of(&shop.plan, 1, 1), None).await.unwrap();
    integration_tests::drain(&app, Priority::Analytics).await;
    let counted = figures(analytics(&app, &[("period", "7d")]).await);
    assert_eq!(counted.0["orders"], 3);
    let third = backfill(ctx, today, today).await.unwrap();
    assert_eq!((third.orders.found, third.orders.applied), (3, 0), "{third:?}");
    assert_eq!(figures(analytics(&app, &[("period", "7d")]).await), counted);
    assert!(backfill(ctx, today, today - chrono::Duration::days(1)).await.is_err(), "a reversed range");
}

/// A day's HyperLogLog is written a register at a time; once the day is over the hourly run folds its registers
/// into one attribute. The count read is the same before and after; a late fact for that day still counts, and
/// is folded by the next run; facts arriving while it folds are never lost.
async fn a_closed_days_distinct_customers_fold_into_one_attribute_and_late_facts_still_count(app: TestApp) {
    use shared::ports::table::{Key, Value};
    use shared::services::analytics::{active, hll};
    let data = data_set(&app).await;
    let ctx = &app.ctx;
    let day = "2026-06-10";
    let order = |who: &str| OrderFact {
        order_id: OrderId(format!("o-{who}")),
        customer_id: CustomerId(who.into()),
        placed_at: at("2026-06-10T10:00:00Z"),
        ..data.orders[0].clone()
    };
    // Customers each in a register of their own (linear counting's estimate is exact to 21 of them, 64 for 60).
    let mut taken = std::collections::BTreeSet::new();
    let customers: Vec<String> =
        (0..).map(|i| format!("customer-{i}")).filter(|c| taken.insert(hll::register_of(c).0)).take(60).collect();
    let (early, late) = customers.split_at(20);
    let (late, racing) = late.split_at(1);
    for who in early {
        facts::record_order(ctx, &order(who)).await.unwrap();
    }
    assert_eq!(active_on(&app, day).await, 20);
    let item = || async { app.table.get(&Key::new("AN#ACTIVE#D", day)).await.unwrap().unwrap() };
    let loose = |item: &shared::ports::table::Item| {
        item.keys().filter(|name| name.starts_with("r") && name != &"raises").count()
    };
    assert_eq!(loose(&item().await), 20);

    assert_eq!(active::pack_closed(ctx, at("2026-06-12T00:05:00Z").date_naive()).await.unwrap(), vec![day.to_owned()]);
    let packed = item().await;
    assert_eq!(loose(&packed), 0, "{packed:?}");
    assert!(matches!(packed.get("packed"), Some(Value::S(p)) if p.len() == 512));
    assert_eq!(active_on(&app, day).await, 20, "the same count, read from one attribute");
    assert!(active::pack_closed(ctx, at("2026-06-12T01:05:00Z").date_naive()).await.unwrap().is_empty());

    facts::record_order(ctx, &order(&late[0])).await.unwrap();
    assert_eq!(active_on(&app, day).await, 21, "a late fact counts, read loose beside the packed registers");
    assert_eq!(active::pack_closed(ctx, at("2026-06-12T02:05:00Z").date_naive()).await.unwrap(), vec![day.to_owned()]);
    assert_eq!(active_on(&app, day).await, 21);

    // Raises racing the folds: whichever wins, nothing raised is lost.
    let raises = async {
        for who in racing {
            facts::record_order(ctx, &order(who)).await.unwrap();
        }
    };
    let folds = async {
        for _ in 0..20 {
            active::pack_closed(ctx, at("2026-06-12T03:05:00Z").date_naive()).await.unwrap();
            tokio::task::yield_now().await;
        }
    };
    futures_util::join!(raises, folds);
    let mut registers = vec![0u8; 512];
    for who in &customers {
        let (register, rank) = hll::register_of(who);
        registers[register as usize] = rank;
    }
    let all = hll::estimate(&registers);
    assert_eq!(all, 64);
    assert_eq!(active_on(&app, day).await, all);
    assert_eq!(ctx.stores.analytics.active_registers(Grain::Day, day, day).await.unwrap(), registers);
    active::pack_closed(ctx, at("2026-06-12T04:05:00Z").date_naive()).await.unwrap();
    assert_eq!(loose(&item().await), 0);
    assert_eq!(ctx.stores.analytics.active_registers(Grain::Day, day, day).await.unwrap(), registers);
}

async fn active_on(app: &TestApp, day: &str) -> u64 {
    let reply = analytics(app, &[("period", "custom"), ("from", day), ("to", day)]).await;
    reply.body["data"]["users"]["current"]["active_customers"].as_u64().unwrap()
}

/// More customers than a board lists (25). On 1 and 2 June ten customers spend 200 a day, forty spend 1 to 40,
/// and one spends 390 on the 1st only: it is on the 1st's board, not the 2nd's, so its ledger is read (390 in
/// all, below the ten). Anyone not on a board had at most its 25th entry there (27 on the 1st, where the 390
/// takes a place; 26 on the 2nd): the ten's 400 beat 53, and the list is complete. On 5 and 6 June sixty
/// customers spend once each, thirty a day, two at each amount from 100 down to 86; one more spends 75 on both
/// days: below 25 others each day, on no board, it is the true first with 150 — so the list cannot be proved.
/// Every candidate is on one board of the two: the 25 most promising ledgers are read (100 down to 94), and
/// the next candidate, 94 on one day and at most 88 (that board's last entry) on the other, may have had 182.
async fn top_customers_come_from_the_day_boards_and_ledgers_and_say_when_one_may_be_missing(app: TestApp) {
    use futures_util::StreamExt;
    let data = data_set(&app).await;
    let ctx = &app.ctx;
    let order = |who: String, day: &str, amount: i64| OrderFact {
        order_id: OrderId(format!("{who}-{day}")),
        customer_id: CustomerId(who),
        placed_at: at(&format!("{day}T10:00:00Z")),
        grand_amount: rust_decimal::Decimal::from(amount),
        lines: vec![OrderFactLine {
            total_amount: rust_decimal::Decimal::from(amount),
            ..data.orders[0].lines[0].clone()
        }],
        ..data.orders[0].clone()
    };
    let mut orders = Vec::new();
    for day in ["2026-06-01", "2026-06-02"] {
        orders.extend((0..10).map(|i| order(format!("big-{i}"), day, 200)));
        orders.extend((1..=40).map(|i| order(format!("small-{i}"), day, i)));
    }
    orders.push(order("one-day".into(), "2026-06-01", 390));
    for i in 0..30 {
        orders.push(order(format!("once-{i}"), if i % 2 == 0 { "2026-06-05" } else { "2026-06-06" }, 100 - i / 2));
    }
    for i in 0..30 {
        orders.push(order(format!("other-{i}"), if i % 2 == 0 { "2026-06-06" } else { "2026-06-05" }, 100 - i / 2));
    }
    orders.push(order("steady".into(), "2026-06-05", 75));
    orders.push(order("steady".into(), "2026-06-06", 75));
    futures_util::stream::iter(&orders)
        .for_each_concurrent(8, |fact| async move {
            assert!(facts::record_order(ctx, fact).await.unwrap());
        })
        .await;

    let app = &app;
    let top = |from: &'static str, to: &'static str| async move {
        let reply = analytics(app, &[("period", "custom"), ("from", from), ("to", to)]).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.body["data"]["business"]["top_customers"].clone()
    };
    let names = |top: &Value| -> Vec<(String, String)> {
        top["customers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["customer_id"].as_str().unwrap().to_owned(), money(&c["net"])))
            .collect()
    };
    let first = top("2026-06-01", "2026-06-02").await;
    assert_eq!(names(&first), (0..10).map(|i| (format!("big-{i}"), "400".to_owned())).collect::<Vec<_>>(), "{first}");
    // Complete (no one unsettled can pass 53); left out, the best is the one-day customer's 390.
    assert_eq!((money(&first["others_at_most"]), &first["complete"]), ("390".into(), &json!(true)));

    let second = top("2026-06-05", "2026-06-06").await;
    let listed = names(&second);
    assert_eq!(listed.len(), 10);
    assert!(
        listed.iter().all(|(_, net)| net == "100" || net == "99" || net == "98" || net == "97" || net == "96"),
        "{second}"
    );
    assert!(!listed.iter().any(|(who, _)| who == "steady"), "not on any board: {second}");
    assert_eq!((money(&second["others_at_most"]), &second["complete"]), ("182".into(), &json!(false)));

    // A board whose last entry is a refund: on 10 June thirty customers are refunded 10 for orders of May; on 11
    // June twenty-five of them buy 6 to 9 again (still negative over the two days) and one more customer buys 5,
    // below them all and so on neither board. Not having bought on the 10th beats a refund: it may have had up to
    // 0 + 6 and nobody listed is positive, so the empty list is not complete.
    let mut refunds = Vec::new();
    for i in 0..30 {
        let placed = order(format!("refunded-{i}"), "2026-05-10", 10);
        facts::record_order(ctx, &placed).await.unwrap();
        refunds.push(placed);
    }
    for placed in &refunds {
        facts::record_cancellation(ctx, placed, at("2026-06-10T12:00:00Z")).await.unwrap();
    }
    for i in 0..25 {
        facts::record_order(ctx, &order(format!("refunded-{i}"), "2026-06-11", 6 + i % 4)).await.unwrap();
    }
    facts::record_order(ctx, &order("quiet".into(), "2026-06-11", 5)).await.unwrap();
    let third = top("2026-06-10", "2026-06-11").await;
    assert_eq!(names(&third), [], "{third}");
    assert_eq!((money(&third["others_at_most"]), &third["complete"]), ("6".into(), &json!(false)), "{third}");
}
