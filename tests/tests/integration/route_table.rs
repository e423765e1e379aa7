//! The route/function table is the single source of truth: the SAM template, the function binaries, the
//! `events/` samples, the handlers the local server calls, the OpenAPI document and authorization must all
//! agree with it. Adding a function anywhere without the others fails here.

use integration_tests::{Backend, TestApp};
use serde_yaml::Value as Yaml;
use shared::domain::Priority;
use shared::http::apigw::HttpEvent;
use shared::ports::QueueRef;
use shared::routes::{FUNCTIONS, FunctionSpec, Trigger, match_http};
use std::collections::BTreeSet;
use std::path::PathBuf;

pub(crate) fn repo_file(path: &str) -> String {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

pub(crate) fn template() -> Yaml {
    serde_yaml::from_str(&repo_file("infra/template.yaml")).expect("infra/template.yaml parses")
}

/// `!GetAtt X.Arn` (or the long form) -> `X`.
fn get_att_target(value: &Yaml) -> Option<String> {
    match value {
        Yaml::Tagged(tagged) if tagged.tag == "!GetAtt" => {
            tagged.value.as_str().and_then(|s| s.strip_suffix(".Arn")).map(str::to_owned)
        }
        Yaml::Mapping(m) => m.get("Fn::GetAtt").and_then(|v| match v {
            Yaml::Sequence(s) => s.first().and_then(Yaml::as_str).map(str::to_owned),
            Yaml::String(s) => s.strip_suffix(".Arn").map(str::to_owned),
            _ => None,
        }),
        _ => None,
    }
}

fn queue_logical_id(queue: QueueRef) -> String {
    let name = match queue.priority() {
        Priority::High => "High",
        Priority::Default => "Default",
        Priority::Low => "Low",
        Priority::Analytics => "Analytics",
        Priority::Notifications => "Notifications",
    };
    match queue {
        QueueRef::Main(_) => format!("{name}Queue"),
        QueueRef::DeadLetter(_) => format!("{name}DeadLetterQueue"),
    }
}

#[test]
fn the_template_declares_exactly_the_functions_of_the_table() {
    let template = template();
    let resources = template["Resources"].as_mapping().expect("Resources");
    let declared: BTreeSet<String> = resources
        .iter()
        .filter(|(_, r)| r["Type"].as_str() == Some("AWS::Serverless::Function"))
        .map(|(id, _)| id.as_str().unwrap().to_owned())
        .collect();
    let expected: BTreeSet<String> = FUNCTIONS.iter().map(|f| f.logical_id()).collect();
    assert_eq!(declared, expected, "template functions vs route table");

    for spec in FUNCTIONS {
        let resource = &template["Resources"][spec.logical_id().as_str()];
        assert_eq!(resource["Metadata"]["BuildMethod"].as_str(), Some("rust-cargolambda"), "{}", spec.name);
        assert_eq!(resource["Metadata"]["BuildProperties"]["Binary"].as_str(), Some(spec.name), "{}", spec.name);
        let events: Vec<&Yaml> =
            resource["Properties"]["Events"].as_mapping().map(|m| m.values().collect()).unwrap_or_default();
        match spec.trigger {
            Trigger::Http { method, path, .. } => {
                let routes: Vec<(String, String)> = events
                    .iter()
                    .filter(|e| e["Type"].as_str() == Some("HttpApi"))
                    .map(|e| {
                        let p = &e["Properties"];
                        (
                            p["Method"].as_str().unwrap_or_default().to_uppercase(),
                            p["Path"].as_str().unwrap_or_default().to_owned(),
                        )
                    })
                    .collect();
                assert_eq!(routes, [(method.to_owned(), path.to_owned())], "{}: HTTP route", spec.name);
                // A route without a role is the only kind without the JWT authorizer.
                let authorizer = events[0]["Properties"]["Auth"]["Authorizer"].as_str();
                assert_eq!(authorizer == Some("NONE"), spec.role.is_none(), "{}: authorizer", spec.name);
            }
            Trigger::Schedule { expression } => {
                let schedules: Vec<&str> = events
                    .iter()
                    .filter(|e| matches!(e["Type"].as_str(), Some("ScheduleV2" | "Schedule")))
                    .filter_map(|e| e["Properties"]["ScheduleExpression"].as_str())
                    .collect();
                assert_eq!(schedules, [expression], "{}: schedule", spec.name);
            }
            Trigger::Worker { queues } => {
                let mut subscribed: Vec<String> = events
                    .iter()
                    .filter(|e| e["Type"].as_str() == Some("SQS"))
                    .map(|e| {
                        let p = &e["Properties"];
                        let reports_failures = p["FunctionResponseTypes"]
                            .as_sequence()
                            .is_some_and(|s| s.iter().any(|t| t.as_str() == Some("ReportBatchItemFailures")));
                        assert!(reports_failures, "{}: SQS events report batch item failures", spec.name);
                        get_att_target(&p["Queue"]).expect("Queue: !GetAtt <Queue>.Arn")
                    })
                    .collect();
                subscribed.sort();
                let mut wanted: Vec<String> = queues.iter().map(|p| queue_logical_id(QueueRef::Main(*p))).collect();
                wanted.sort();
                assert_eq!(subscribed, wanted, "{}: queues", spec.name);
            }
            Trigger::UserPool { .. } => {
                // The pool calls it (attached to the pool, which lives outside the stack): no event source, and
                // a permission for Cognito to invoke it from the issuer's pool.
                assert!(events.is_empty(), "{}: no event source", spec.name);
                let permission = template["Resources"]
                    .as_mapping()
                    .unwrap()
                    .values()
                    .find(|r| {
                        r["Type"].as_str() == Some("AWS::Lambda::Permission")
                            && get_att_target(&r["Properties"]["FunctionName"]).as_deref()
                                == Some(spec.logical_id().as_str())
                    })
                    .unwrap_or_else(|| panic!("{}: a permission for the user pool", spec.name));
                let properties = &permission["Properties"];
                assert_eq!(properties["Principal"].as_str(), Some("cognito-idp.amazonaws.com"), "{}", spec.name);
                assert!(!properties["SourceArn"].is_null(), "{}: only its own pool may invoke it", spec.name);
            }
            Trigger::WebSocket { route } => {
                // The WebSocket API's route, integrated with this function, which only that API may invoke.
                assert!(events.is_empty(), "{}: no SAM event source", spec.name);
                let base = spec.logical_id().strip_suffix("Function").unwrap().to_owned();
                let route_resource = &template["Resources"][format!("{base}Route").as_str()];
                assert_eq!(route_resource["Type"].as_str(), Some("AWS::ApiGatewayV2::Route"), "{}", spec.name);
                assert_eq!(route_resource["Properties"]["RouteKey"].as_str(), Some(route), "{}", spec.name);
                let target = sub_text(&route_resource["Properties"]["Target"]);
                assert_eq!(target, format!("integrations/${{{base}Integration}}"), "{}: its integration", spec.name);
                let integration = &template["Resources"][format!("{base}Integration").as_str()]["Properties"];
                assert!(
                    sub_text(&integration["IntegrationUri"]).contains(&format!("${{{}.Arn}}", spec.logical_id())),
                    "{}: the integration invokes this function",
                    spec.name
                );
                let permission = &template["Resources"][format!("{base}Permission").as_str()]["Properties"];
                assert_eq!(permission["Principal"].as_str(), Some("apigateway.amazonaws.com"), "{}", spec.name);
                assert!(
                    sub_text(&permission["SourceArn"]).ends_with(&format!("${{RealtimeApi}}/${{Stage}}/{route}")),
                    "{}: only its own API's route may invoke it",
                    spec.name
                );
            }
        }
    }
}

/// The text of a `!Sub "..."`.
fn sub_text(value: &Yaml) -> String {
    match value {
        Yaml::Tagged(tagged) if tagged.tag == "!Sub" => tagged.value.as_str().unwrap_or_default().to_owned(),
        _ => String::new(),
    }
}

#[test]
fn the_template_has_every_queue_with_its_dead_letter_queue_and_url() {
    let template = template();
    let globals = &template["Globals"]["Function"]["Environment"]["Variables"];
    for queue in QueueRef::all() {
        let id = queue_logical_id(queue);
        let resource = &template["Resources"][id.as_str()];
        assert_eq!(resource["Type"].as_str(), Some("AWS::SQS::Queue"), "{id}");
        if let QueueRef::Main(p) = queue {
            let redrive = &resource["Properties"]["RedrivePolicy"];
            assert_eq!(
                get_att_target(&redrive["deadLetterTargetArn"]),
                Some(queue_logical_id(QueueRef::DeadLetter(p)))
            );
            assert_eq!(redrive["maxReceiveCount"].as_u64(), Some(u64::from(shared::ports::queue::MAX_RECEIVE_COUNT)));
        }
        let var = shared::adapters::aws::QueueUrls::env_var(queue);
        assert!(!globals[var.as_str()].is_null(), "Globals sets {var}");
    }
    for var in ["TABLE_NAME", "REDIS_URL"] {
        assert!(!globals[var].is_null(), "Globals sets {var}");
    }
}

#[test]
fn every_function_has_a_binary_and_an_event_sample() {
    let manifest = repo_file("functions/Cargo.toml");
    for spec in FUNCTIONS {
        assert!(
            manifest.contains(&format!("name = \"{}\"", spec.name)),
            "functions/Cargo.toml has a [[bin]] {}",
            spec.name
        );
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../events");
    let samples: BTreeSet<String> = std::fs::read_dir(&dir)
        .expect("events/")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let expected: BTreeSet<String> = FUNCTIONS.iter().map(|f| format!("{}.json", f.name)).collect();
    assert_eq!(samples, expected, "one sample per function in events/, and nothing else");
}

/// Each binary serves its own row with that row's endpoint or task, as the kind of function its trigger says:
/// the one it names is the one `handlers::http` / `handlers::scheduled` map the row to, which the tests run (a
/// binary wired to another endpoint would answer for the wrong route in production while every test passed).
#[test]
fn every_binary_serves_its_own_row_of_the_table() {
    let manifest = repo_file("functions/Cargo.toml");
    let dispatch = repo_file("shared/src/handlers.rs");
    for spec in FUNCTIONS {
        let bin_entry = format!("name = \"{}\"\npath = \"", spec.name);
        let start = manifest.find(&bin_entry).map(|i| i + bin_entry.len());
        let path = start.and_then(|s| manifest[s..].split('"').next()).unwrap_or_else(|| panic!("{} path", spec.name));
        let source = repo_file(&format!("functions/{path}"));
        let row = spec.name.to_uppercase().replace('-', "_");
        // (`*_with_logs`: the same, in a context that can search the logs.)
        let serve = match spec.trigger {
            Trigger::Http { .. } => {
                vec![format!("serve_http(&routes::{row},"), format!("serve_http_with_logs(&routes::{row},")]
            }
            Trigger::Schedule { .. } => {
                vec![format!("serve_schedule(&routes::{row},"), format!("serve_schedule_with_logs(&routes::{row},")]
            }
            Trigger::Worker { .. } => vec!["serve_worker()".to_owned()],
            Trigger::UserPool { .. } => vec![format!("serve_user_pool(&routes::{row},")],
            Trigger::WebSocket { .. } => vec![format!("serve_websocket(&api::routes::{row})")],
        };
        let Some(serve) = serve.iter().find(|call| source.contains(call.as_str())) else {
            panic!("functions/{path} calls {}", serve[0]);
        };
        // The worker runs every job; a WebSocket route's binary runs the one WebSocket edge with its row.
        if let Trigger::Worker { .. } | Trigger::WebSocket { .. } = spec.trigger {
            continue;
        }
        let arm = format!("        {row} => ");
        let call = dispatch
            .lines()
            .find_map(|line| line.strip_prefix(&arm))
            .and_then(|rest| rest.strip_suffix(','))
            .unwrap_or_else(|| panic!("handlers.rs has an arm for {row}"));
        assert!(source.contains(&format!("{serve} {call})")), "functions/{path} runs {call}, the endpoint of {row}");
    }
}

fn example_path(pattern: &str) -> String {
    pattern.split('/').map(|s| if s.starts_with('{') { "example-id" } else { s }).collect::<Vec<_>>().join("/")
}

#[tokio::test]
async fn the_local_server_serves_every_route_and_schedule_of_the_table() {
    let app = TestApp::new(Backend::Memory).await;
    for spec in FUNCTIONS {
        match spec.trigger {
            Trigger::Http { method, path, .. } => {
                let (matched, _) = match_http(method, &example_path(path)).expect("routed");
                assert_eq!(matched.name, spec.name);
                let request = HttpEvent::new(method, &example_path(path)).to_request(chrono::Utc::now()).unwrap();
                assert!(shared::handlers::http(spec, &app.ctx, request).await.is_some(), "{} has a handler", spec.name);
            }
            Trigger::Schedule { expression } => {
                shared::schedule::Schedule::parse(expression).unwrap_or_else(|e| panic!("{}: {e}", spec.name));
                let ran = shared::handlers::scheduled(spec, &app.ctx, serde_json::json!({})).await;
                assert!(ran.is_some(), "{} has a scheduled handler", spec.name);
            }
            Trigger::Worker { queues } => assert!(!queues.is_empty()),
            Trigger::UserPool { .. } => {
                let ran = shared::handlers::user_pool(spec, &app.ctx, serde_json::json!({})).await;
                assert!(ran.is_some(), "{} has a user pool handler", spec.name);
            }
            // The local gateway's WebSocket runs them (`websocket.rs`).
            Trigger::WebSocket { route } => assert!(["$connect", "$default", "$disconnect"].contains(&route)),
        }
    }
}

#[test]
fn the_openapi_document_lists_exactly_the_http_routes() {
    let document = shared::openapi::document();
    let mut listed = BTreeSet::new();
    for (path, operations) in document["paths"].as_object().unwrap() {
        for method in operations.as_object().unwrap().keys() {
            listed.insert(format!("{} {path}", method.to_uppercase()));
        }
    }
    let expected: BTreeSet<String> = FUNCTIONS
        .iter()
        .filter_map(|f| match f.trigger {
            Trigger::Http { method, path, .. } => Some(format!("{method} {path}")),
            _ => None,
        })
        .collect();
    assert_eq!(listed, expected);
    // A 401 is what API Gateway's authorizer answers (its own body), or the envelope: documented as either.
    // A public route (no role) has no authorizer and no 401.
    for operations in document["paths"].as_object().unwrap().values() {
        for operation in operations.as_object().unwrap().values() {
            let public = operation["x-required-role"].is_null();
            let unauthorized = &operation["responses"]["401"]["$ref"];
            assert_eq!(unauthorized == "#/components/responses/Unauthorized", !public, "{}", operation["operationId"]);
            assert_eq!(
                operation["security"].as_array().is_some_and(Vec::is_empty),
                public,
                "{}",
                operation["operationId"]
            );
        }
    }
    let unauthorized = &document["components"]["responses"]["Unauthorized"]["content"]["application/json"]["schema"];
    let shapes = unauthorized["anyOf"].as_array().unwrap();
    assert!(shapes.iter().any(|s| s["$ref"] == "#/components/schemas/Error"));
    assert!(shapes.iter().any(|s| s["properties"]["message"]["const"] == "Unauthorized"), "{unauthorized}");
}

#[test]
fn the_openapi_document_describes_every_input_with_the_rules_that_validate_it() {
    let document = shared::openapi::document();
    let schemas = &document["components"]["schemas"];
    let resolve = |schema: &serde_json::Value| -> serde_json::Value {
        match schema["$ref"].as_str() {
            Some(reference) => schemas[reference.trim_start_matches("#/components/schemas/")].clone(),
            None => schema.clone(),
        }
    };
    let mut optional = BTreeSet::new();
    for spec in FUNCTIONS {
        let Trigger::Http { method, path, .. } = spec.trigger else { continue };
        let operation = &document["paths"][path][method.to_lowercase()];
        let body = &operation["requestBody"];
        // Cancelling an order, acknowledging an alert, marking notifications or a chat read, opening or closing a
        // chat and ending a promotion take nothing but their path.
        let pathless = [
            "orders-cancel",
            "system-alert-ack",
            "admin-notification-read",
            "admin-notifications-read",
            "notification-read",
            "notifications-read",
            "chat-start",
            "chat-read",
            "chat-close",
            "pricing-promotion-end",
        ];
        if (method == "POST" || method == "PUT") && !pathless.contains(&spec.name) {
            let schema = resolve(&body["content"]["application/json"]["schema"]);
            assert_eq!(schema["type"], "object", "{}: a body schema", spec.name);
            if body["required"] == false {
                optional.insert(spec.name);
            }
        } else {
            assert!(body.is_null(), "{}: no body", spec.name);
        }
        // Every reference resolves.
        for reference in operation.to_string().split("\"$ref\":\"").skip(1) {
            let name = reference.split('"').next().unwrap().trim_start_matches("#/components/");
            let (kind, name) = name.split_once('/').unwrap();
            assert!(!document["components"][kind][name].is_null(), "{}: {name}", spec.name);
        }
    }
    // An empty body means: a dry run, every warmer, no change, the caller takes the conversation.
    assert_eq!(
        optional,
        BTreeSet::from(["inventory-rebalance", "system-cache-warmup", "profile-update", "admin-chat-assign"])
    );

    // The limits the validation enforces are the document's (a quantity of 11 is refused: the schema says so).
    let order = &schemas["CreateOrderRequest"];
    assert_eq!(order["properties"]["quantity"]["maximum"], 10);
    assert_eq!(order["properties"]["notes"]["maxLength"], 500);
    assert_eq!(order["properties"]["payment_method"]["enum"], serde_json::json!(["wallet"]));
    assert_eq!(order["required"], serde_json::json!(["payment_method"]));
    assert_eq!(order["oneOf"].as_array().map(Vec::len), Some(2), "items, or server_id with plan_id");
    assert_eq!(schemas["RequestLine"]["properties"]["quantity"]["maximum"], 50);
    assert_eq!(schemas["CreditRequest"]["required"], serde_json::json!(["amount", "reason"]));
    assert_eq!(schemas["RetryBody"]["properties"]["limit"]["maximum"], 100);
    assert_eq!(schemas["RebalanceBody"]["properties"]["limit"]["maximum"], 500);
    assert_eq!(schemas["RebalanceBody"]["additionalProperties"], false);
    let zones = &schemas["UpdateProfileRequest"]["properties"]["timezone"]["enum"];
    assert!(zones.as_array().unwrap().contains(&serde_json::json!("Europe/Paris")));
    let warmup = &document["paths"]["/admin/system/cache/warmup"]["post"]["requestBody"]["content"]["application/json"];
    let warmers: Vec<&str> = shared::cache_warmers().iter().map(|w| w.name).collect();
    assert_eq!(warmup["schema"]["properties"]["warmers"]["items"]["enum"], serde_json::json!(warmers));
    let versions = &document["paths"]["/admin/pricing/rules/versions"]["get"]["parameters"];
    let limit = versions.as_array().unwrap().iter().find(|p| p["name"] == "limit").unwrap();
    assert_eq!((limit["in"].as_str(), &limit["schema"]["maximum"]), (Some("query"), &serde_json::json!(100)));
}

fn claims(subject: &str, groups: Option<&str>) -> std::collections::BTreeMap<String, String> {
    let mut claims = std::collections::BTreeMap::from([("sub".to_owned(), subject.to_owned())]);
    if let Some(groups) = groups {
        claims.insert("cognito:groups".into(), groups.to_owned());
    }
    claims
}

async fn status_and_body(app: &TestApp, spec: &FunctionSpec, event: HttpEvent) -> (u16, serde_json::Value) {
    let request = event.to_request(chrono::Utc::now()).unwrap();
    let response = shared::handlers::http(spec, &app.ctx, request).await.unwrap();
    let body = match response.body() {
        // A page answers HTML: only its errors are the envelope.
        lambda_http::Body::Text(t) => serde_json::from_str(t).unwrap_or(serde_json::Value::Null),
        _ => serde_json::Value::Null,
    };
    (response.status().as_u16(), body)
}

#[tokio::test]
async fn every_route_enforces_its_role() {
    let app = TestApp::new(Backend::Memory).await;
    for spec in FUNCTIONS {
        let Trigger::Http { method, path, .. } = spec.trigger else {
            continue;
        };
        let event = || HttpEvent::new(method, &example_path(path));
        let Some(role) = spec.role else {
            // A public route (the dashboards' shell) answers without an identity.
            let (status, _) = status_and_body(&app, spec, event()).await;
            assert_eq!(status, 200, "{}: public", spec.name);
            continue;
        };

        let (status, body) = status_and_body(&app, spec, event()).await;
        assert_eq!(status, 401, "{}: no identity", spec.name);
        assert_eq!(body["success"], false);
        assert_eq!(body["error_code"], "unauthenticated");
        assert!(body["request_id"].is_string());

        // A customer: array claims as API Gateway encodes them.
        let (status, body) = status_and_body(&app, spec, event().with_claims(claims("c-1", Some("[customers]")))).await;
        if role == shared::http::Role::Admin {
            assert_eq!(status, 403, "{}: not an admin", spec.name);
            assert_eq!(body["error_code"], "forbidden");
        } else {
            // (A 403 for a caller without a profile is `profile_missing`, not a role's refusal.)
            let refused = status == 401 || body["error_code"] == "forbidden";
            assert!(!refused, "{}: a customer may call it ({status} {body})", spec.name);
        }

        for groups in ["[support admin]", "admin", "[admin]"] {
            let (status, body) = status_and_body(&app, spec, event().with_claims(claims("a-1", Some(groups)))).await;
            let refused = status == 401 || body["error_code"] == "forbidden";
            assert!(!refused, "{}: admin via {groups} got {status} {body}", spec.name);
        }
        let (status, _) = status_and_body(&app, spec, event().with_claims(claims("x", Some("[administrators]")))).await;
        if role == shared::http::Role::Admin {
            assert_eq!(status, 403, "{}: a group merely containing 'admin' is not admin", spec.name);
        }
    }
}

#[test]
fn the_readme_lists_every_http_route() {
    let readme = repo_file("README.md");
    for spec in FUNCTIONS {
        if let Trigger::Http { method, path, .. } = spec.trigger {
            assert!(readme.contains(&format!("`{method} {path}`")), "README.md lists `{method} {path}`");
        }
    }
}

/// Every route that names a record in its path answers 404 in the envelope for an id no record can have — far
/// too long, or with characters ids never contain — on both backends, without asking the store (which refuses
/// a key over 2 KB with an error: a 500 before).
#[tokio::test]
async fn ids_no_record_can_have_are_not_found_on_every_route_that_names_one() {
    for backend in [Backend::Memory, Backend::Aws] {
        let app = TestApp::new(backend).await;
        for spec in FUNCTIONS {
            let Trigger::Http { method, path, .. } = spec.trigger else {
                continue;
            };
            if !path.contains('{') {
                continue;
            }
            let caller = match spec.role {
                Some(shared::http::Role::Admin) => claims("a-1", Some("[admin]")),
                _ => claims("c-1", Some("[customers]")),
            };
            for bad in ["x".repeat(3000), "a b".to_owned(), "<script>".to_owned()] {
                let concrete = path
                    .split('/')
                    .map(|s| if s.starts_with('{') { bad.as_str() } else { s })
                    .collect::<Vec<_>>()
                    .join("/");
                let mut event = HttpEvent::new(method, &concrete).with_claims(caller.clone());
                event.path_parameters = path
                    .split('/')
                    .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
                    .map(|name| (name.to_owned(), bad.clone()))
                    .collect();
                if method != "GET" && method != "DELETE" {
                    event = event.with_body("{}");
                }
                let (status, body) = status_and_body(&app, spec, event).await;
                assert_eq!(status, 404, "{backend:?} {}: {} chars: {body}", spec.name, bad.len());
                assert_eq!((body["success"].as_bool(), body["error_code"].as_str()), (Some(false), Some("not_found")));
            }
        }
    }
}
