//! Creates the table and queues the template defines, for emulators and tests (in AWS the SAM template owns
//! them). Both calls are idempotent: what exists is left as it is.

use super::sqs::QueueUrls;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, TimeToLiveSpecification,
};
use aws_sdk_sqs::types::QueueAttributeName;
use proxy_core::error::{Backend, PortError, PortResult};
use proxy_core::ports::queue::{MAX_RECEIVE_COUNT, QueueRef};
use proxy_core::ports::table::{Index, TTL};
use std::collections::HashMap;

fn invalid(error: impl std::fmt::Display) -> PortError {
    PortError::Invalid { backend: Backend::Store, detail: error.to_string() }
}

fn key(name: &str, kind: KeyType) -> PortResult<KeySchemaElement> {
    KeySchemaElement::builder().attribute_name(name).key_type(kind).build().map_err(invalid)
}

/// Creates the single table with its three GSIs and TTL on `ttl`, unless it exists.
pub async fn create_table(client: &aws_sdk_dynamodb::Client, table: &str) -> PortResult<()> {
    let mut definitions = Vec::new();
    let mut indexes = Vec::new();
    for index in [Index::Primary, Index::Gsi1, Index::Gsi2, Index::Gsi3] {
        let (pk, sk) = index.key_attributes();
        for attribute in [pk, sk] {
            definitions.push(
                AttributeDefinition::builder()
                    .attribute_name(attribute)
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .map_err(invalid)?,
            );
        }
        if let Some(name) = index.name() {
            indexes.push(
                GlobalSecondaryIndex::builder()
                    .index_name(name)
                    .key_schema(key(pk, KeyType::Hash)?)
                    .key_schema(key(sk, KeyType::Range)?)
                    .projection(Projection::builder().projection_type(ProjectionType::All).build())
                    .build()
                    .map_err(invalid)?,
            );
        }
    }
    let created = client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .set_attribute_definitions(Some(definitions))
        .key_schema(key("pk", KeyType::Hash)?)
        .key_schema(key("sk", KeyType::Range)?)
        .set_global_secondary_indexes(Some(indexes))
        .send()
        .await;
    match created {
        Ok(_) => {}
        Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_in_use_exception()) => {
            return Ok(());
        }
        Err(e) => {
            return Err(PortError::unavailable(Backend::Store, aws_sdk_dynamodb::error::DisplayErrorContext(e)));
        }
    }
    client
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(
            TimeToLiveSpecification::builder().attribute_name(TTL).enabled(true).build().map_err(invalid)?,
        )
        .send()
        .await
        .map_err(|e| PortError::unavailable(Backend::Store, aws_sdk_dynamodb::error::DisplayErrorContext(e)))?;
    Ok(())
}

fn queue_unavailable<E: std::error::Error>(error: E) -> PortError {
    PortError::unavailable(Backend::Queue, aws_sdk_sqs::error::DisplayErrorContext(error))
}

/// Creates the five priority queues named `{prefix}-{priority}` and their DLQs `{prefix}-{priority}-dlq`
/// (redrive after `MAX_RECEIVE_COUNT` receives), and returns their URLs.
pub async fn create_queues(client: &aws_sdk_sqs::Client, prefix: &str) -> PortResult<QueueUrls> {
    let mut urls = HashMap::new();
    for queue in QueueRef::all().filter(|q| matches!(q, QueueRef::DeadLetter(_))) {
        let created = client.create_queue().queue_name(format!("{prefix}-{}", queue.name())).send().await;
        let url = created.map_err(queue_unavailable)?.queue_url.unwrap_or_default();
        let arn = client
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .map_err(queue_unavailable)?
            .attributes
            .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
            .unwrap_or_default();
        urls.insert(queue, url);
        let main = QueueRef::Main(queue.priority());
        let redrive = format!(r#"{{"deadLetterTargetArn":"{arn}","maxReceiveCount":"{MAX_RECEIVE_COUNT}"}}"#);
        let created = client
            .create_queue()
            .queue_name(format!("{prefix}-{}", main.name()))
            .attributes(QueueAttributeName::RedrivePolicy, redrive)
            .attributes(QueueAttributeName::VisibilityTimeout, "60")
            .send()
            .await;
        urls.insert(main, created.map_err(queue_unavailable)?.queue_url.unwrap_or_default());
    }
    Ok(QueueUrls(urls))
}
