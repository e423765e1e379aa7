//! AWS adapters: DynamoDB (store), Redis (cache), SQS (job queue), plus `provision` which creates the table and
//! queues on an emulator or a fresh account (the local run and the tests use it; production uses the template).

mod dynamo;
mod dynamo_expr;
#[cfg(feature = "provision")]
pub mod provision;
mod redis;
mod sqs;
mod workers;

pub use dynamo::DynamoTable;
pub use redis::RedisCache;
pub use sqs::{QueueUrls, SqsQueue};
pub use workers::LambdaWorkerPool;

/// The SDK configuration from the environment (region, credentials, `AWS_ENDPOINT_URL` for emulators).
/// Loading it reads environment and files only: no network work during a Lambda's init.
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest()).load().await
}
