//! The worker pool port on both adapters: in memory, and Lambda's event source mappings on the emulator.

use integration_tests::lambda_worker_pool_with_client;
use shared::adapters::memory::MemoryWorkerPool;
use shared::domain::Priority;
use shared::error::PortError;
use shared::ports::WorkerPool;
use std::collections::BTreeMap;

async fn limits_are_read_and_set_per_queue(pool: &dyn WorkerPool, initial: u32) {
    for queue in Priority::ALL {
        assert!(pool.max_concurrency(queue).await.unwrap().is_some(), "{queue:?} has a limit");
    }
    assert_eq!(pool.max_concurrency(Priority::Low).await.unwrap(), Some(initial));
    pool.set_max_concurrency(Priority::Low, 8).await.unwrap();
    assert_eq!(pool.max_concurrency(Priority::Low).await.unwrap(), Some(8));
    assert_eq!(pool.max_concurrency(Priority::Analytics).await.unwrap(), Some(initial), "other queues unchanged");
}

#[tokio::test]
async fn memory() {
    let pool = MemoryWorkerPool::default();
    assert_eq!(pool.max_concurrency(Priority::High).await.unwrap(), Some(20), "as the template starts it");
    limits_are_read_and_set_per_queue(&pool, 5).await;
}

#[tokio::test]
async fn lambda_event_source_mappings() {
    let (pool, _) = lambda_worker_pool_with_client(3).await;
    limits_are_read_and_set_per_queue(&pool, 3).await;
}

#[tokio::test]
async fn a_disabled_mapping_runs_no_worker() {
    let (pool, lambda) = lambda_worker_pool_with_client(4).await;
    let uuid = pool.mapping(Priority::Default).expect("mapped").to_owned();
    lambda.update_event_source_mapping().uuid(uuid).enabled(false).send().await.expect("disable the mapping");
    assert_eq!(pool.max_concurrency(Priority::Default).await.unwrap(), Some(0));
    assert_eq!(pool.max_concurrency(Priority::Low).await.unwrap(), Some(4), "the others still run");
}

#[tokio::test]
async fn a_queue_without_a_mapping_has_no_limit_and_cannot_be_set() {
    let pool = shared::adapters::aws::LambdaWorkerPool::new(
        aws_sdk_lambda::Client::from_conf(
            aws_sdk_lambda::Config::builder()
                .behavior_version_latest()
                .region(aws_sdk_lambda::config::Region::new("eu-west-1"))
                .build(),
        ),
        BTreeMap::new(),
    );
    assert_eq!(pool.max_concurrency(Priority::High).await.unwrap(), None);
    let error = pool.set_max_concurrency(Priority::High, 4).await.unwrap_err();
    assert!(matches!(error, PortError::Invalid { .. }), "{error:?}");
}
