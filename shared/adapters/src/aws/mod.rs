//! AWS adapters: DynamoDB (store), Redis (cache), SQS (job queue), SES (mail), plus `provision` which creates the table and
//! queues on an emulator or a fresh account (the local run and the tests use it; production uses the template).

mod cloudwatch_logs;
mod dynamo;
mod dynamo_expr;
#[cfg(feature = "provision")]
pub mod provision;
mod redis;
mod redis_link;
mod redis_tagged;
mod sdk;
mod secrets;
mod ses;
mod sqs;
mod websocket;
mod workers;

pub use cloudwatch_logs::{CloudWatchLogs, DEFAULT_RETENTION_DAYS, MAX_LOG_GROUPS, RETENTION_DAYS};
pub use dynamo::DynamoTable;
pub use redis::{COMMAND_LIMIT as REDIS_COMMAND_LIMIT, RedisCache};
pub use redis_link::{BREAK_FOR as REDIS_BREAK_FOR, RedisEndpoint};
pub use redis_tagged::RedisTaggedCache;
pub use sdk::{environment_variables, lambda_sdk_config, sdk_config};
pub use secrets::{Secret, SecretSource};
pub use ses::SesMailer;
pub use sqs::{QueueUrls, SqsQueue};
pub use websocket::ApiGatewayConnections;
pub use workers::LambdaWorkerPool;
