//! What the SAM template promises an operator beyond the route table: a failed first deploy can be deployed
//! again, every scheduled task says how often a failed run is retried, and browsers may call the API from the
//! configured origins.

use super::route_table::template;
use serde_yaml::Value as Yaml;
use shared::routes::{FUNCTIONS, Trigger};

/// A `!Tag value` short form, or the `Fn::Tag` long form.
fn tagged<'a>(value: &'a Yaml, tag: &str) -> Option<&'a Yaml> {
    match value {
        Yaml::Tagged(t) if t.tag == format!("!{tag}").as_str() => Some(&t.value),
        Yaml::Mapping(m) => m.get(format!("Fn::{tag}").as_str()).or_else(|| m.get(tag)),
        _ => None,
    }
}

#[test]
fn the_table_outlives_the_stack_but_not_a_failed_first_deploy_and_prod_is_protected() {
    let table = &template()["Resources"]["Table"];
    // Retain would keep the table of a first deploy that rolled back, and its fixed name would block the next.
    assert_eq!(table["DeletionPolicy"].as_str(), Some("RetainExceptOnCreate"));
    assert_eq!(table["UpdateReplacePolicy"].as_str(), Some("Retain"));
    let protection = tagged(&table["Properties"]["DeletionProtectionEnabled"], "If").expect("conditional");
    assert_eq!(protection[0].as_str(), Some("IsProd"), "{protection:?}");
    assert_eq!((protection[1].as_bool(), protection[2].as_bool()), (Some(true), Some(false)));
}

#[test]
fn every_scheduled_task_says_how_often_a_failed_run_is_retried() {
    let template = template();
    for spec in FUNCTIONS.iter().filter(|f| matches!(f.trigger, Trigger::Schedule { .. })) {
        let properties = &template["Resources"][spec.logical_id().as_str()]["Properties"];
        // Lambda retries a failed asynchronous invocation twice unless told otherwise; the scheduler's policy
        // covers delivery only. Both are explicit, and agree.
        let by_lambda = properties["EventInvokeConfig"]["MaximumRetryAttempts"].as_u64();
        let by_scheduler =
            properties["Events"]["Schedule"]["Properties"]["RetryPolicy"]["MaximumRetryAttempts"].as_u64();
        assert!(by_lambda.is_some(), "{}: EventInvokeConfig.MaximumRetryAttempts", spec.name);
        assert!(by_scheduler.is_some(), "{}: the schedule's RetryPolicy", spec.name);
        assert_eq!(by_lambda, by_scheduler, "{}: Lambda's and the scheduler's retries", spec.name);
    }
}

#[test]
fn browsers_may_call_the_api_from_the_configured_origins_only() {
    let template = template();
    let origins = &template["Parameters"]["CorsAllowedOrigins"];
    assert_eq!(origins["Type"].as_str(), Some("CommaDelimitedList"));
    assert_eq!(origins["Default"].as_str(), Some(""), "no origin unless the deployer names one");
    let cors = tagged(&template["Resources"]["HttpApi"]["Properties"]["CorsConfiguration"], "If").expect("conditional");
    assert_eq!(cors[0].as_str(), Some("HasCorsOrigins"));
    assert!(tagged(&template["Conditions"]["HasCorsOrigins"], "Not").is_some(), "HasCorsOrigins is a condition");
    let config = &cors[1];
    assert_eq!(tagged(&config["AllowOrigins"], "Ref").and_then(Yaml::as_str), Some("CorsAllowedOrigins"));
    let headers: Vec<&str> = config["AllowHeaders"].as_sequence().unwrap().iter().filter_map(Yaml::as_str).collect();
    for header in ["authorization", "content-type", "idempotency-key"] {
        assert!(headers.contains(&header), "{header}: {headers:?}");
    }
    let methods: Vec<&str> = config["AllowMethods"].as_sequence().unwrap().iter().filter_map(Yaml::as_str).collect();
    for spec in FUNCTIONS {
        if let Trigger::Http { method, .. } = spec.trigger {
            assert!(methods.contains(&method), "{}: {method} is not allowed from browsers", spec.name);
        }
    }
}

/// The alarms an operator needs to see a broken worker or function before customers do, all to one topic.
#[test]
fn every_function_queue_and_the_api_has_an_alarm_on_the_alarm_topic() {
    let template = template();
    let resources = &template["Resources"];
    let notifies_the_topic = |alarm: &Yaml, what: &str| {
        let actions =
            alarm["Properties"]["AlarmActions"].as_sequence().unwrap_or_else(|| panic!("{what}: AlarmActions"));
        let to_topic = actions.iter().any(|a| tagged(a, "Ref").and_then(Yaml::as_str) == Some("AlarmTopic"));
        assert!(to_topic, "{what}: notifies AlarmTopic");
    };
    assert_eq!(resources["AlarmTopic"]["Type"].as_str(), Some("AWS::SNS::Topic"));
    assert_eq!(resources["AlarmEmailSubscription"]["Condition"].as_str(), Some("HasAlarmEmail"));
    for spec in FUNCTIONS {
        let logical = spec.logical_id();
        let base = logical.strip_suffix("Function").unwrap();
        let alarm = &resources[format!("{base}FailureAlarm").as_str()];
        assert_eq!(alarm["Type"].as_str(), Some("AWS::CloudWatch::Alarm"), "{}: a failure alarm", spec.name);
        let metrics = alarm["Properties"]["Metrics"].as_sequence().expect("metric math");
        let watched: Vec<(&str, &str)> = metrics
            .iter()
            .filter_map(|m| {
                let metric = &m["MetricStat"]["Metric"];
                let function = tagged(&metric["Dimensions"][0]["Value"], "Ref").and_then(Yaml::as_str)?;
                Some((metric["MetricName"].as_str()?, function))
            })
            .collect();
        assert_eq!(watched, [("Errors", logical.as_str()), ("Throttles", logical.as_str())], "{}", spec.name);
        notifies_the_topic(alarm, spec.name);
    }
    for queue in ["High", "Default", "Low", "Analytics", "Notifications"] {
        for (alarm, metric) in [
            (format!("{queue}DeadLetterQueueAlarm"), "ApproximateNumberOfMessagesVisible"),
            (format!("{queue}QueueAgeAlarm"), "ApproximateAgeOfOldestMessage"),
        ] {
            let alarm_resource = &resources[alarm.as_str()];
            assert_eq!(alarm_resource["Properties"]["MetricName"].as_str(), Some(metric), "{alarm}");
            notifies_the_topic(alarm_resource, &alarm);
        }
        assert_eq!(
            resources[format!("{queue}DeadLetterQueueAlarm").as_str()]["Properties"]["Threshold"].as_u64(),
            Some(0)
        );
    }
    notifies_the_topic(&resources["ApiServerErrorAlarm"], "the API's 5xx");
    assert_eq!(template["Globals"]["Function"]["Tracing"].as_str(), Some("Active"), "X-Ray on every function");
}

/// The items of a function's `Policies` that are `!If [condition, !Ref policy, ...]`: (condition, policy).
fn conditional_policies(properties: &Yaml) -> Vec<(String, String)> {
    let items = properties["Policies"].as_sequence().cloned().unwrap_or_default();
    items
        .iter()
        .filter_map(|item| {
            let branches = tagged(item, "If")?.as_sequence()?;
            let policy = tagged(&branches[1], "Ref")?.as_str()?;
            Some((branches[0].as_str()?.to_owned(), policy.to_owned()))
        })
        .collect()
}

#[test]
fn secrets_are_secrets_manager_arns_read_only_by_the_functions_that_use_them() {
    let template = template();
    // No secret travels as a parameter value or an environment variable.
    for (name, parameter) in template["Parameters"].as_mapping().unwrap() {
        assert!(parameter["NoEcho"].is_null(), "{name:?}: a secret as a parameter");
    }
    for name in ["RedisAuthTokenSecretArn", "PanelPasswordSecretArn"] {
        let parameter = &template["Parameters"][name];
        assert_eq!(parameter["Default"].as_str(), Some(""), "{name}: optional");
        assert!(parameter["AllowedPattern"].as_str().unwrap().contains("secretsmanager"), "{name}");
    }
    let globals = &template["Globals"]["Function"]["Environment"]["Variables"];
    assert_eq!(tagged(&globals["REDIS_AUTH_SECRET"], "Ref").and_then(Yaml::as_str), Some("RedisAuthTokenSecretArn"));
    for spec in FUNCTIONS {
        let properties = &template["Resources"][spec.logical_id().as_str()]["Properties"];
        let policies = conditional_policies(properties);
        // Every function may call Redis, so every one may read its token; only the worker logs in to panels.
        assert!(
            policies.contains(&("HasRedisAuthSecret".into(), "RedisAuthSecretRead".into())),
            "{}: may not read Redis's AUTH token",
            spec.name
        );
        let reads_panel_password = policies.iter().any(|(_, policy)| policy == "PanelPasswordSecretRead");
        assert_eq!(reads_panel_password, spec.name == "queue-worker", "{}: the panels' password", spec.name);
        let variables = &properties["Environment"]["Variables"];
        assert!(variables["PANEL_PASSWORD"].is_null(), "{}: a password in the environment", spec.name);
    }
    for (policy, secret) in
        [("RedisAuthSecretRead", "RedisAuthTokenSecretArn"), ("PanelPasswordSecretRead", "PanelPasswordSecretArn")]
    {
        let statement = &template["Resources"][policy]["Properties"]["PolicyDocument"]["Statement"][0];
        assert_eq!(statement["Action"].as_str(), Some("secretsmanager:GetSecretValue"), "{policy}");
        assert_eq!(tagged(&statement["Resource"], "Ref").and_then(Yaml::as_str), Some(secret), "{policy}");
    }
}

#[test]
fn a_claimed_jobs_lease_outlives_the_worker_and_ends_before_the_next_delivery() {
    let template = template();
    let lease = shared::worker::LEASE.as_secs();
    let worker = template["Resources"]["QueueWorkerFunction"]["Properties"]["Timeout"].as_u64().unwrap();
    assert!(worker < lease, "a job still running ({worker} s at most) must not be taken over (lease {lease} s)");
    let queues: Vec<(&Yaml, &Yaml)> = template["Resources"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, resource)| resource["Type"].as_str() == Some("AWS::SQS::Queue"))
        .filter(|(_, resource)| !resource["Properties"]["RedrivePolicy"].is_null())
        .collect();
    assert_eq!(queues.len(), 5, "the five worker queues");
    for (name, queue) in queues {
        let visibility = queue["Properties"]["VisibilityTimeout"].as_u64().unwrap();
        assert!(lease < visibility, "{name:?}: the delivery after a dead worker ({visibility} s) finds the lease over");
    }
}

#[test]
fn the_vpc_endpoints_the_functions_need_are_one_parameter_away_and_the_health_check_probes_the_worker_pool() {
    let template = template();
    let resources = &template["Resources"];
    assert_eq!(template["Parameters"]["CreateVpcEndpoints"]["Default"].as_str(), Some("false"));
    // Every AWS service a function calls from the VPC but SES (the worker reaches it over the NAT it needs for the
    // panels anyway): DynamoDB (gateway), SQS, Lambda (worker limits), Secrets Manager and CloudWatch Logs
    // (interface, private DNS so the SDK's default endpoints resolve to them).
    let mut services: Vec<(String, &str)> = resources
        .as_mapping()
        .unwrap()
        .values()
        .filter(|r| r["Type"].as_str() == Some("AWS::EC2::VPCEndpoint"))
        .map(|r| {
            assert_eq!(r["Condition"].as_str(), Some("CreatesVpcEndpoints"));
            let properties = &r["Properties"];
            let name = tagged(&properties["ServiceName"], "Sub").and_then(Yaml::as_str).unwrap_or_default();
            let kind = properties["VpcEndpointType"].as_str().unwrap_or_default();
            if kind == "Interface" {
                assert_eq!(properties["PrivateDnsEnabled"].as_bool(), Some(true), "{name}");
            }
            (name.rsplit('.').next().unwrap_or_default().to_owned(), kind)
        })
        .collect();
    services.sort();
    assert_eq!(
        services,
        [
            ("dynamodb".to_owned(), "Gateway"),
            ("lambda".to_owned(), "Interface"),
            ("logs".to_owned(), "Interface"),
            ("secretsmanager".to_owned(), "Interface"),
            ("sqs".to_owned(), "Interface"),
        ]
    );
    assert!(!template["Rules"]["VpcEndpointsNeedTheirNetwork"].is_null(), "their parameters are required then");
    // A missing route to the Lambda API shows in the health check: both health functions read a worker limit.
    for function in ["SystemHealthFunction", "SystemHealthCheckFunction"] {
        let properties = &resources[function]["Properties"];
        let mapping = &properties["Environment"]["Variables"]["WORKER_MAPPING_HIGH"];
        assert_eq!(tagged(mapping, "Ref").and_then(Yaml::as_str), Some("QueueWorkerFunctionHighQueue"), "{function}");
        let statements =
            properties["Policies"].as_sequence().unwrap().iter().filter_map(|p| p["Statement"].as_sequence());
        let may_read = statements.flatten().any(|s| s["Action"].as_str() == Some("lambda:GetEventSourceMapping"));
        assert!(may_read, "{function}: lambda:GetEventSourceMapping");
    }
}

/// The WebSocket routes answer anyone who opens a socket: their table access is the registry's partitions only,
/// and their posts go to this API's stage only.
#[test]
fn the_websocket_functions_reach_the_registry_and_their_own_api_only() {
    let template = template();
    for spec in FUNCTIONS.iter().filter(|f| matches!(f.trigger, Trigger::WebSocket { .. })) {
        let properties = &template["Resources"][spec.logical_id().as_str()]["Properties"];
        let statements: Vec<&Yaml> = properties["Policies"]
            .as_sequence()
            .unwrap()
            .iter()
            .filter_map(|p| p["Statement"].as_sequence())
            .flatten()
            .collect();
        for statement in &statements {
            let actions = match &statement["Action"] {
                Yaml::Sequence(actions) => actions.iter().filter_map(Yaml::as_str).collect::<Vec<_>>(),
                action => action.as_str().into_iter().collect(),
            };
            if actions.iter().any(|a| a.starts_with("dynamodb:")) {
                let leading = &statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"];
                let prefixes: Vec<&str> = leading.as_sequence().unwrap().iter().filter_map(Yaml::as_str).collect();
                assert_eq!(prefixes, ["WSCONN#*", "WSCHAN#*"], "{}", spec.name);
            }
            if actions.contains(&"execute-api:ManageConnections") {
                for resource in statement["Resource"].as_sequence().unwrap() {
                    let arn = tagged(resource, "Sub").and_then(Yaml::as_str).unwrap_or_default();
                    assert!(arn.contains("${RealtimeApi}/${Stage}/"), "{}: {arn}", spec.name);
                }
            }
        }
    }
}
