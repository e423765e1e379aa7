//! The admin dashboards' pages and the system report export through their handlers, on both backends: each page
//! shows its panels with the figures the JSON endpoints answer (the same calls), escapes what the data holds,
//! refuses customers and anonymous callers like the JSON does, answers bad input with a 422 on its field, names
//! a part it cannot read (Redis down) and shows the rest; the shell is public and holds no data; the export
//! writes one report as JSON, a zip of CSV tables and a printable page. (The pages in a real browser, with their
//! actions and accessibility: `tests/browser/`, run by `scripts/browser-test.sh`.)

use integration_tests::api::{Call, Caller, Reply};
use integration_tests::{TestApp, drain};
use serde_json::json;
use shared::domain::{CustomerId, Plan, PlanId, Priority};
use shared::ports::QueueRef;
use shared::routes::{self, FunctionSpec};
use shared::store::Failure;

integration_tests::on_both_backends!(
    every_page_shows_its_panels_with_the_figures_of_the_json_endpoints,
    pages_refuse_what_the_json_refuses_and_bad_input_is_a_422,
    the_system_report_exports_as_json_csv_and_html,
    the_chat_page_shows_the_open_conversations_and_one_with_its_messages,
);

/// A plan name no page may write as markup.
const HOSTILE: &str = r#"<script>alert("x")</script> & "Pro""#;

fn admin() -> Caller {
    Caller::Admin("ops".into())
}

fn html(reply: &Reply) -> String {
    assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.bytes));
    assert_eq!(reply.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    String::from_utf8(reply.bytes.clone()).unwrap()
}

async fn page(app: &TestApp, spec: &'static FunctionSpec, query: &str) -> String {
    html(&Call::to(spec, &[]).by(&admin()).query(query).send(app).await)
}

fn has_panels(page: &str, panels: &[&str]) {
    for panel in panels {
        assert!(page.contains(&format!(r#"data-panel="{panel}""#)), "panel {panel} in {page}");
    }
}

/// A shop whose second plan has a hostile name, an open alert, a failed job: something for every panel.
async fn shop_with_history(app: &TestApp) -> integration_tests::fixtures::Shop {
    let shop = integration_tests::fixtures::shop(&app.ctx, 10, "5.00").await;
    let hostile = Plan { id: PlanId::generate(), name: HOSTILE.into(), ..shop.plan.clone() };
    app.ctx.stores.catalog.create_plan(&hostile).await.unwrap();
    // A backlog the 5-minute check alerts on.
    for _ in 0..120 {
        app.ctx.queue.send(QueueRef::Main(Priority::High), "{}", None).await.unwrap();
    }
    integration_tests::workers_ran_lately(app).await;
    shared::services::monitoring::scheduled::health_check(&app.ctx, json!({})).await.unwrap();
    drain(app, Priority::Notifications).await;
    let failure = Failure {
        job_id: "expire:client-1:1795000000",
        job_type: "inventory.expire_client",
        queue: Some(Priority::Low),
        message_id: "m-1",
        error: "the panel did not answer",
        attempt: 3,
        payload: &json!({"client_id": "client-1"}),
        dead: true,
        at: app.ctx.clock.now(),
    };
    app.ctx.stores.failed_jobs.record(&failure).await.unwrap();
    // Its message in the dead-letter queue, where a retry takes it from.
    app.ctx.queue.send(QueueRef::DeadLetter(Priority::Low), r#"{"job": "expired"}"#, None).await.unwrap();
    shop
}

async fn every_page_shows_its_panels_with_the_figures_of_the_json_endpoints(mut app: TestApp) {
    let shop = shop_with_history(&app).await;
    // An error in the logs the system page searches.
    let ring = shared::log_ring::LogRing::new(app.clock.clone(), 100);
    ring.record(shared::ports::logs::LogEvent {
        at: app.ctx.clock.now(),
        function: "orders-create".into(),
        level: "error".into(),
        line: r#"{"level":"ERROR","message":"panel <b>timed out</b>"}"#.into(),
    });
    app.ctx = app.ctx.clone().with_log_source(ring);

    let system = page(&app, &routes::PAGE_SYSTEM, "").await;
    has_panels(&system, &["status", "checks", "alerts", "queues", "workload", "cache", "capacity", "logs"]);
    let alerts = Call::to(&routes::SYSTEM_ALERTS, &[]).by(&admin()).send(&app).await;
    let alert = &alerts.body["data"]["alerts"][0];
    let id = alert["id"].as_str().unwrap();
    assert!(system.contains(alert["message"].as_str().unwrap()), "the alert's message: {system}");
    assert!(system.contains(&format!(r#"data-alert-id="{id}""#)) && system.contains(r#"data-test="ack-alert""#));
    assert!(system.contains(r#"data-refresh="5""#) && system.contains("data-live"), "live panels reload");
    for check in ["servers", "application", "cache", "storage"] {
        assert!(system.contains(&format!("<td>{check}</td>")), "check {check}: {system}");
    }
    let queue = Call::to(&routes::QUEUE_OVERVIEW, &[]).by(&admin()).send(&app).await;
    let waiting = queue.body["data"]["stats"]["totals"]["waiting"].as_u64().unwrap();
    assert_eq!(waiting, 120, "the backlog: {}", queue.body);
    assert!(system.contains(&format!(r#"<span class="label">Waiting</span><span class="value">{waiting}</span>"#)));
    assert!(system.contains("panel &lt;b&gt;timed out&lt;/b&gt;"), "the logged error, escaped: {system}");
    assert!(system.contains(r#"href="/admin/system/export?format=html""#), "the report's downloads");
    // The 5-second reload: the live panels only, no log search.
    let live = page(&app, &routes::PAGE_SYSTEM, "live=1").await;
    has_panels(&live, &["status", "checks", "alerts", "queues", "workload"]);
    assert!(!live.contains(r#"data-panel="logs""#) && !live.contains(r#"data-panel="cache""#), "{live}");

    let queues = page(&app, &routes::PAGE_QUEUES, "").await;
    has_panels(&queues, &["queues", "failed"]);
    assert!(queues.contains(r#"data-job-id="expire:client-1:1795000000""#), "the failed job's row: {queues}");
    assert!(queues.contains("the panel did not answer"));
    let retry_body = html_escape(&json!({"queue": "low", "limit": 1}).to_string());
    assert!(queues.contains(&retry_body), "retry sends the API's body for that queue: {queues}");

    let pricing = page(&app, &routes::PAGE_PRICING, "").await;
    has_panels(&pricing, &["rules", "plans", "versions", "promotions"]);
    let overview = Call::to(&routes::PRICING_GET, &[]).by(&admin()).send(&app).await;
    let price = overview.body["data"]["plans"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["plan_id"] == shop.plan.id.to_string())
        .map(|p| p["price"].as_str().unwrap().to_owned())
        .unwrap();
    assert!(pricing.contains(&format!(r#"<td class="n">{price}</td>"#)), "the JSON's price {price}: {pricing}");
    assert!(!pricing.contains("<script>alert"), "a name is text, never markup");
    assert!(pricing.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;Pro&quot;"), "{pricing}");
    assert!(pricing.contains(r#"data-action="/admin/pricing/promotions""#), "the create form");

    let inventory = page(&app, &routes::PAGE_INVENTORY, "").await;
    has_panels(&inventory, &["capacity", "alerts", "rebalance", "servers"]);
    assert!(inventory.contains("fra-1") && inventory.contains(r#"data-test="rebalance-plan""#));
    assert!(!inventory.contains(r#"data-test="rebalance-execute""#), "no plan before the dry run is asked for");
    let planned = page(&app, &routes::PAGE_INVENTORY, "plan=rebalance").await;
    assert!(planned.contains(r#"data-test="rebalance-execute""#) && planned.contains("Dry run"), "{planned}");

    let analytics = page(&app, &routes::PAGE_ANALYTICS, "period=7d").await;
    has_panels(&analytics, &["kpis", "revenue", "mrr", "cohorts", "breakdowns", "realtime", "reports"]);
    assert!(analytics.matches(r#"<svg role="img""#).count() >= 3, "charts: {analytics}");
    assert!(analytics.contains(r#"<option value="7d" selected>"#), "the period picked");
    assert!(analytics.contains("<details><summary>Data table"), "every chart's data as a table");

    // The shell: public, no data, only its own script and style.
    let shell = html(&Call::to(&routes::ADMIN_UI, &[]).send(&app).await);
    assert!(shell.contains(r#"id="signin""#) && shell.contains(r#"id="forbidden""#));
    assert!(shell.contains("script-src 'sha256-") && shell.contains("default-src 'none'"), "{shell}");
    let signed_in = html(&Call::to(&routes::ADMIN_UI, &[]).by(&admin()).send(&app).await);
    assert_eq!(shell, signed_in, "the shell is the same for everyone: it holds no data");
}

/// The escaping maud does in an attribute (the action's JSON body).
fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;")
}

async fn pages_refuse_what_the_json_refuses_and_bad_input_is_a_422(app: TestApp) {
    integration_tests::fixtures::shop(&app.ctx, 10, "5.00").await;
    let customer = Caller::customer(&CustomerId::generate());
    for spec in [
        &routes::PAGE_SYSTEM,
        &routes::PAGE_ANALYTICS,
        &routes::PAGE_QUEUES,
        &routes::PAGE_INVENTORY,
        &routes::PAGE_PRICING,
        &routes::PAGE_CHATS,
        &routes::SYSTEM_EXPORT,
    ] {
        let refused = Call::to(spec, &[]).by(&customer).send(&app).await;
        assert_eq!((refused.status, refused.body["error_code"].as_str()), (403, Some("forbidden")), "{}", spec.name);
        let anonymous = Call::to(spec, &[]).send(&app).await;
        assert_eq!(anonymous.status, 401, "{}", spec.name);
    }
    for (spec, query, field) in [
        (&routes::PAGE_ANALYTICS, "period=forever", "period"),
        (&routes::PAGE_ANALYTICS, "period=custom&from=2026-11-20&to=2026-11-01", "from"),
        (&routes::PAGE_INVENTORY, "plan=everything", "plan"),
        (&routes::PAGE_SYSTEM, "live=yes", "live"),
        (&routes::PAGE_QUEUES, "live=0", "live"),
        (&routes::SYSTEM_EXPORT, "format=pdf", "format"),
        (&routes::SYSTEM_EXPORT, "format=csv&period=1000y", "period"),
        (&routes::SYSTEM_EXPORT, "horizon=null", "horizon"),
        (&routes::PAGE_ANALYTICS, "horizon=null", "horizon"),
        (&routes::PAGE_CHATS, "assigned=everyone", "assigned"),
        (&routes::PAGE_CHATS, "live=2", "live"),
    ] {
        let reply = Call::to(spec, &[]).by(&admin()).query(query).send(&app).await;
        assert_eq!(reply.status, 422, "{} {query}: {}", spec.name, reply.body);
        assert!(!reply.field_errors(field).is_empty(), "{} {query}: {}", spec.name, reply.body);
    }
}

async fn the_system_report_exports_as_json_csv_and_html(app: TestApp) {
    shop_with_history(&app).await;
    let export = |query: &str| Call::to(&routes::SYSTEM_EXPORT, &[]).by(&admin()).query(query).send(&app);

    let document = export("period=7d").await;
    assert_eq!(document.status, 200, "{}", document.body);
    let report = &document.body["data"];
    assert_eq!(report["status"], "degraded", "the backlog's check: {report}");
    assert_eq!(report["period"]["name"], "7d");
    for part in ["health", "alerts", "queues", "cache", "capacity", "forecasts", "pricing", "analytics"] {
        assert!(!report[part].is_null(), "{part}: {report}");
    }
    assert_eq!(report["capacity"]["locations"][0]["location"], "Frankfurt");
    assert_eq!(report["unavailable"], json!([]));
    // The same figures as the JSON endpoints': the dashboard's alerts.
    let dashboard = Call::to(&routes::SYSTEM_DASHBOARD, &[]).by(&admin()).send(&app).await;
    assert_eq!(report["alerts"]["open"][0]["id"], dashboard.body["data"]["alerts"]["open"][0]["id"]);

    let zip = export("format=csv").await;
    assert_eq!(zip.status, 200);
    assert_eq!(zip.header("content-type"), Some("application/zip"));
    assert!(zip.header("content-disposition").unwrap().starts_with("attachment; filename=\"system-report-"));
    assert!(zip.bytes.starts_with(b"PK"));
    let contains = |needle: &str| zip.bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    for table in
        ["checks.csv", "alerts.csv", "queues.csv", "cache.csv", "capacity.csv", "prices.csv", "analytics_summary.csv"]
    {
        assert!(contains(table), "{table} in the zip");
    }
    // Stored, not compressed: the rows are readable in the archive.
    assert!(contains("system-health:queue:high:backlog"), "the alert's row");
    assert!(contains("\"<script>alert(\"\"x\"\")</script> & \"\"Pro\"\"\""), "the hostile name quoted as CSV");

    let printable = html(&export("format=html").await);
    assert!(printable.contains("<h1>System report</h1>") && printable.contains("@media print"), "{printable}");
    assert!(printable.contains("&lt;script&gt;") && !printable.contains("<script>alert"));
}

/// "Run a health check now": the check's report is the dashboard's from then on.
#[tokio::test]
async fn a_health_check_asked_for_is_the_one_the_system_page_shows() {
    let app = TestApp::new(integration_tests::Backend::Memory).await;
    integration_tests::fixtures::shop(&app.ctx, 10, "5.00").await;
    let before = page(&app, &routes::PAGE_SYSTEM, "").await;
    assert!(before.contains("No health check in the last 5 minutes"), "{before}");
    let checked = Call::to(&routes::SYSTEM_HEALTH, &[]).by(&admin()).send(&app).await;
    assert_eq!(checked.status, 200, "{}", checked.body);
    let after = page(&app, &routes::PAGE_SYSTEM, "").await;
    assert!(!after.contains("No health check in the last 5 minutes") && after.contains("<td>storage</td>"), "{after}");
}

/// Redis stopped: the system page shows what it could read and names the rest.
#[tokio::test]
async fn a_page_names_the_part_it_cannot_read_and_shows_the_rest() {
    let (app, outage) = TestApp::with_cache_outage(integration_tests::Backend::Aws).await;
    shop_with_history(&app).await;
    outage.stop();
    // The first call finds the connection gone (which of the page's concurrent reads notices first varies); from
    // then on every read of the cache fails until the link's breaker lets it try again.
    let first = page(&app, &routes::PAGE_SYSTEM, "").await;
    assert!(first.contains("Some parts could not be read"), "{first}");
    let system = page(&app, &routes::PAGE_SYSTEM, "").await;
    assert!(system.contains("<li>health: ") && system.contains("<li>analytics: "), "the parts named: {system}");
    assert!(system.contains(r#"data-test="ack-alert""#), "the alerts, read from the store, are shown");
    outage.restart();
    app.clock.advance(chrono::Duration::seconds(10));
    let back = page(&app, &routes::PAGE_SYSTEM, "").await;
    assert!(
        !back.contains("<li>health: ") && back.contains("<li>logs: "),
        "only the logs, which tests cannot search: {back}"
    );
}

async fn the_chat_page_shows_the_open_conversations_and_one_with_its_messages(app: TestApp) {
    let empty = page(&app, &routes::PAGE_CHATS, "").await;
    has_panels(&empty, &["inbox"]);
    assert!(empty.contains("No open conversation."), "{empty}");

    let (ann, bo) = (Caller::customer(&"ann"), Caller::customer(&"bo"));
    let open = |caller: &Caller| Call::to(&routes::CHAT_START, &[]).by(caller).send(&app);
    let first = open(&ann).await.body["data"]["conversation"]["id"].as_str().unwrap().to_owned();
    let second = open(&bo).await.body["data"]["conversation"]["id"].as_str().unwrap().to_owned();
    for (caller, id, text) in [(&ann, &first, HOSTILE), (&ann, &first, "Second line"), (&bo, &second, "Hi")] {
        let sent = Call::to(&routes::CHAT_SEND, &[id]).by(caller).json(json!({ "body": text })).send(&app).await;
        assert_eq!(sent.status, 201, "{}", sent.body);
        app.clock.advance(chrono::Duration::seconds(1));
    }
    Call::to(&routes::ADMIN_CHAT_ASSIGN, &[&second]).by(&admin()).send(&app).await;

    let inbox = page(&app, &routes::PAGE_CHATS, "").await;
    // The JSON's rows: both conversations, bo's most recent first, ann's with 2 unread and a Take button.
    let listed = Call::to(&routes::ADMIN_CHATS, &[]).by(&admin()).send(&app).await;
    let rows = listed.body["data"]["conversations"].as_array().unwrap().clone();
    assert_eq!(rows.len(), 2);
    let (at_first, at_second) = (
        inbox.find(&format!(r#"data-conversation-id="{second}""#)),
        inbox.find(&format!(r#"data-conversation-id="{first}""#)),
    );
    assert!(at_first.unwrap() < at_second.unwrap(), "the most recently active first: {inbox}");
    assert!(inbox.contains("2 unread") && inbox.contains(r#"data-test="take-chat""#), "{inbox}");
    assert!(inbox.contains("<td>you</td>"), "the reader's own: {inbox}");
    assert!(!inbox.contains("<script>alert"), "a message is text, never markup");
    let mine = page(&app, &routes::PAGE_CHATS, "assigned=me").await;
    assert!(mine.contains(&second) && !mine.contains(&format!(r#"data-conversation-id="{first}""#)), "{mine}");
    assert!(
        mine.contains(r#"data-test="filter-me" aria-pressed="true""#)
            || mine.contains(r#"aria-pressed="true" data-test="filter-me""#),
        "{mine}"
    );

    let conversation = page(&app, &routes::PAGE_CHATS, &format!("conversation={first}")).await;
    has_panels(&conversation, &["inbox", "conversation", "reply"]);
    let messages = &conversation[conversation.find(r#"data-panel="conversation""#).unwrap()..];
    let oldest = messages.find("&lt;script&gt;alert").expect("the first message, escaped");
    assert!(oldest < messages.find("Second line").unwrap(), "oldest first: {messages}");
    for hook in ["read-chat", "take-over-chat", "close-chat", "reply-chat"] {
        assert!(conversation.contains(&format!(r#"data-test="{hook}""#)), "{hook}: {conversation}");
    }
    assert!(conversation.contains(&format!(r#"data-action="/api/chats/{first}/messages""#)));
    // The 5-second reload leaves the reply form alone.
    let live = page(&app, &routes::PAGE_CHATS, &format!("conversation={first}&live=1")).await;
    has_panels(&live, &["inbox", "conversation"]);
    assert!(!live.contains(r#"data-panel="reply""#), "{live}");

    for stale in ["conversation=nothing", "conversation=5f0c3b8e-2d1a-4c6b-9e7f-0a1b2c3d4e5f"] {
        let missing = page(&app, &routes::PAGE_CHATS, stale).await;
        assert!(
            missing.contains("There is no such conversation.") && missing.contains(r#"data-panel="inbox""#),
            "{missing}"
        );
    }
    // Closed: out of the list, its page says so and offers no reply.
    Call::to(&routes::CHAT_CLOSE, &[&first]).by(&admin()).send(&app).await;
    let closed = page(&app, &routes::PAGE_CHATS, &format!("conversation={first}")).await;
    assert!(closed.contains("This conversation is closed.") && !closed.contains(r#"data-test="reply-chat""#));
    assert!(!closed.contains(&format!(r#"data-conversation-id="{first}""#)), "no longer open: {closed}");
}
