//! Every integration test in one binary, so the AWS SDK and the workspace are linked once rather than once per
//! suite. Each module is one suite: port behaviour on both adapters (`*_behaviour`), services and handlers on
//! both backends, the route table's agreement with the template, `events/`, the OpenAPI document and auth.

mod alert_mail;
mod alerts;
mod analytics;
mod api_cache;
mod api_orders;
mod api_pricing;
mod api_profile_wallet;
mod api_queues;
mod architecture;
mod cache_behaviour;
mod cached_views;
mod chat;
mod client_expiry;
mod connections_behaviour;
mod dashboard;
mod deployment;
mod events;
mod faults;
mod health;
mod inventory;
mod inventory_operations;
mod log_cleanup;
mod notifications;
mod orders;
mod pages;
mod panel_http;
mod provisioning;
mod queue_behaviour;
mod queue_management;
mod queue_stats;
mod realtime;
mod realtime_registry;
mod redis_link;
mod route_table;
mod sdk_config;
mod signup;
mod system_logs;
mod table_behaviour;
mod tagged_cache_behaviour;
mod throttling;
mod tiered_cache;
mod worker;
mod worker_pool;
