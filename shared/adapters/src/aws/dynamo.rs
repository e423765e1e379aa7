use super::dynamo_expr::Expr;
use crate::timeout::with_timeout;
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, KeysAndAttributes, Put, ReturnValue, TransactWriteItem, Update as SdkUpdate,
};
use proxy_core::clock::Clock;
use proxy_core::error::{Backend, PortError, PortResult, describe};
use proxy_core::ports::table::{
    Condition, Cursor, Item, Key, KeyRange, MAX_TRANSACT_ITEMS, Page, Query, Table, TableFigures, TransactOp, Update,
    is_expired,
};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// The DynamoDB table adapter (single-table design, `docs/dynamodb-key-design.md`).
#[derive(Clone)]
pub struct DynamoTable {
    client: Client,
    table: String,
    clock: Arc<dyn Clock>,
    timeout: Duration,
    /// Attempts DynamoDB answered with a throttling error since the last `take_throttled` (the SDK retries them;
    /// this counts each attempt).
    throttled: Arc<std::sync::atomic::AtomicU64>,
}

/// Counts the attempts DynamoDB throttled: a 400 whose error type is a throttling one (its body says which).
#[derive(Debug)]
struct CountThrottles(Arc<std::sync::atomic::AtomicU64>);

/// DynamoDB's throttling error types.
const THROTTLING: [&[u8]; 3] =
    [b"ThrottlingException", b"ProvisionedThroughputExceededException", b"RequestLimitExceeded"];

impl aws_sdk_dynamodb::config::Intercept for CountThrottles {
    fn name(&self) -> &'static str {
        "CountThrottles"
    }

    fn read_after_attempt(
        &self,
        context: &aws_smithy_runtime_api::client::interceptors::context::FinalizerInterceptorContextRef<'_>,
        _components: &aws_sdk_dynamodb::config::RuntimeComponents,
        _cfg: &mut aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        let throttled = context.response().is_some_and(|response| {
            response.status().as_u16() == 400
                && response
                    .body()
                    .bytes()
                    .is_some_and(|body| THROTTLING.iter().any(|kind| body.windows(kind.len()).any(|w| w == *kind)))
        });
        if throttled {
            self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(())
    }
}

type SdkItem = HashMap<String, AttributeValue>;

fn to_sdk(item: Item) -> SdkItem {
    item.into_iter().map(|(k, v)| (k, v.into())).collect()
}

fn from_sdk(item: SdkItem) -> Item {
    item.into_iter().map(|(k, v)| (k, v.into())).collect()
}

fn key_item(key: &Key) -> SdkItem {
    to_sdk(key.to_item())
}

fn unavailable<E: std::error::Error>(error: E) -> PortError {
    PortError::unavailable(Backend::Store, describe(&error))
}

/// Maps an SDK error, turning a failed condition into the port's typed conflict.
fn map_err<E, R>(error: SdkError<E, R>) -> PortError
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    if let SdkError::ServiceError(service) = &error
        && service.err().code() == Some("ConditionalCheckFailedException")
    {
        return PortError::Conflict { op_index: None };
    }
    if let SdkError::ServiceError(service) = &error
        && service.err().code() == Some("ValidationException")
    {
        return PortError::Invalid {
            backend: Backend::Store,
            detail: service.err().message().unwrap_or("validation failed").to_owned(),
        };
    }
    unavailable(error)
}

/// How many times a transaction whose outcome is unknown is sent (with its token) before the caller is told
/// the store is unavailable. With the 3 s limit each, within a 30 s function.
const TRANSACT_ATTEMPTS: u32 = 3;

/// What a cancelled transaction means to the caller: the first operation whose condition failed; a malformed
/// operation; or a conflict with another transaction on the same item, which the caller may retry.
fn cancellation(error: &aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError) -> PortError {
    use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
    let reasons = match error {
        TransactWriteItemsError::TransactionCanceledException(e) => e.cancellation_reasons().to_vec(),
        _ => Vec::new(),
    };
    let failed = reasons.iter().position(|r| r.code() == Some("ConditionalCheckFailed"));
    if failed.is_some() {
        return PortError::Conflict { op_index: failed };
    }
    // A malformed operation (e.g. adding to a string) fails the same way every time: not retried.
    if let Some(reason) = reasons.iter().find(|r| r.code() == Some("ValidationError")) {
        let detail = reason.message().unwrap_or("validation error").to_owned();
        return PortError::Invalid { backend: Backend::Store, detail };
    }
    PortError::Conflict { op_index: None }
}

impl DynamoTable {
    pub fn new(client: Client, table: impl Into<String>, clock: Arc<dyn Clock>) -> Self {
        let throttled = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let config = client.config().to_builder().interceptor(CountThrottles(throttled.clone())).build();
        Self {
            client: Client::from_conf(config),
            table: table.into(),
            clock,
            timeout: Duration::from_secs(3),
            throttled,
        }
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn table_name(&self) -> &str {
        &self.table
    }

    fn now(&self) -> i64 {
        self.clock.now().timestamp()
    }

    /// The condition expression (if any) with its placeholders.
    fn condition(&self, condition: Option<&Condition>) -> (Option<String>, Expr) {
        let mut expr = Expr::default();
        let text = condition.map(|c| expr.condition(c, self.now()));
        (text, expr)
    }

    fn transact_item(&self, op: TransactOp) -> PortResult<TransactWriteItem> {
        let now = self.now();
        let build_err = |e: aws_sdk_dynamodb::error::BuildError| PortError::Invalid {
            backend: Backend::Store,
            detail: e.to_string(),
        };
        Ok(match op {
            TransactOp::Put { item, condition } => {
                let mut expr = Expr::default();
                let text = condition.as_ref().map(|c| expr.condition(c, now));
                let put = Put::builder()
                    .table_name(&self.table)
                    .set_item(Some(to_sdk(item)))
                    .set_condition_expression(text)
                    .set_expression_attribute_names(expr.names_or_none())
                    .set_expression_attribute_values(expr.values_or_none())
                    .build()
                    .map_err(build_err)?;
                TransactWriteItem::builder().put(put).build()
            }
            TransactOp::Update(update) => {
                let mut expr = Expr::default();
                let update_text = expr.update(&update.actions);
                let condition_text = update.condition.as_ref().map(|c| expr.condition(c, now));
                let sdk = SdkUpdate::builder()
                    .table_name(&self.table)
                    .set_key(Some(key_item(&update.key)))
                    .update_expression(update_text)
                    .set_condition_expression(condition_text)
                    .set_expression_attribute_names(expr.names_or_none())
                    .set_expression_attribute_values(expr.values_or_none())
                    .build()
                    .map_err(build_err)?;
                TransactWriteItem::builder().update(sdk).build()
            }
            TransactOp::Delete { key, condition } => {
                let mut expr = Expr::default();
                let text = condition.as_ref().map(|c| expr.condition(c, now));
                let delete = Delete::builder()
                    .table_name(&self.table)
                    .set_key(Some(key_item(&key)))
                    .set_condition_expression(text)
                    .set_expression_attribute_names(expr.names_or_none())
                    .set_expression_attribute_values(expr.values_or_none())
                    .build()
                    .map_err(build_err)?;
                TransactWriteItem::builder().delete(delete).build()
            }
            TransactOp::Check { key, condition } => {
                let mut expr = Expr::default();
                let text = expr.condition(&condition, now);
                let check = ConditionCheck::builder()
                    .table_name(&self.table)
                    .set_key(Some(key_item(&key)))
                    .condition_expression(text)
                    .set_expression_attribute_names(expr.names_or_none())
                    .set_expression_attribute_values(expr.values_or_none())
                    .build()
                    .map_err(build_err)?;
                TransactWriteItem::builder().condition_check(check).build()
            }
        })
    }
}

#[async_trait]
impl Table for DynamoTable {
    async fn get(&self, key: &Key) -> PortResult<Option<Item>> {
        let call = async {
            let out = self
                .client
                .get_item()
                .table_name(&self.table)
                .set_key(Some(key_item(key)))
                // Reads by key back idempotent replays and read-after-write answers: never stale.
                .consistent_read(true)
                .send()
                .await
                .map_err(map_err)?;
            Ok(out.item.map(from_sdk).filter(|i| !is_expired(i, self.now())))
        };
        with_timeout(Backend::Store, "get", self.timeout, call).await
    }

    async fn get_many(&self, keys: &[Key]) -> PortResult<Vec<Item>> {
        /// Batch reads of one chunk at most: the first and five retries, about 1.6 s of pauses at worst.
        const UNPROCESSED_ATTEMPTS: u32 = 6;
        let mut found = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(100) {
            let mut pending = Some(
                KeysAndAttributes::builder()
                    .set_keys(Some(chunk.iter().map(key_item).collect()))
                    .consistent_read(true)
                    .build()
                    .map_err(|e| PortError::Invalid { backend: Backend::Store, detail: e.to_string() })?,
            );
            // BatchGetItem may return some keys unprocessed under throttling: ask again for those, after a
            // growing, jittered pause, a bounded number of times (a hot loop would throttle the table more).
            let mut attempt = 0;
            while let Some(request) = pending.take() {
                if attempt > 0 {
                    if attempt >= UNPROCESSED_ATTEMPTS {
                        let left = request.keys().len();
                        return Err(PortError::unavailable(
                            Backend::Store,
                            format!("throttled: {left} keys still unprocessed after {attempt} batch reads"),
                        ));
                    }
                    tokio::time::sleep(crate::timeout::backoff(attempt)).await;
                }
                attempt += 1;
                let call = async {
                    self.client.batch_get_item().request_items(&self.table, request).send().await.map_err(map_err)
                };
                let out = with_timeout(Backend::Store, "get_many", self.timeout, call).await?;
                let now = self.now();
                if let Some(mut responses) = out.responses
                    && let Some(items) = responses.remove(&self.table)
                {
                    found.extend(items.into_iter().map(from_sdk).filter(|i| !is_expired(i, now)));
                }
                pending = out.unprocessed_keys.and_then(|mut u| u.remove(&self.table)).filter(|k| !k.keys.is_empty());
            }
        }
        Ok(found)
    }

    async fn put(&self, item: Item, condition: Option<Condition>) -> PortResult<()> {
        let (text, expr) = self.condition(condition.as_ref());
        let call = async {
            self.client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(to_sdk(item)))
                .set_condition_expression(text)
                .set_expression_attribute_names(expr.names_or_none())
                .set_expression_attribute_values(expr.values_or_none())
                .send()
                .await
                .map_err(map_err)?;
            Ok(())
        };
        with_timeout(Backend::Store, "put", self.timeout, call).await
    }

    async fn update(&self, update: Update) -> PortResult<Item> {
        let mut expr = Expr::default();
        let update_text = expr.update(&update.actions);
        let condition_text = update.condition.as_ref().map(|c| expr.condition(c, self.now()));
        let call = async {
            let out = self
                .client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(key_item(&update.key)))
                .update_expression(update_text)
                .set_condition_expression(condition_text)
                .set_expression_attribute_names(expr.names_or_none())
                .set_expression_attribute_values(expr.values_or_none())
                .return_values(ReturnValue::AllNew)
                .send()
                .await
                .map_err(map_err)?;
            Ok(from_sdk(out.attributes.unwrap_or_default()))
        };
        with_timeout(Backend::Store, "update", self.timeout, call).await
    }

    async fn delete(&self, key: &Key, condition: Option<Condition>) -> PortResult<()> {
        let (text, expr) = self.condition(condition.as_ref());
        let call = async {
            self.client
                .delete_item()
                .table_name(&self.table)
                .set_key(Some(key_item(key)))
                .set_condition_expression(text)
                .set_expression_attribute_names(expr.names_or_none())
                .set_expression_attribute_values(expr.values_or_none())
                .send()
                .await
                .map_err(map_err)?;
            Ok(())
        };
        with_timeout(Backend::Store, "delete", self.timeout, call).await
    }

    async fn transact(&self, ops: Vec<TransactOp>) -> PortResult<()> {
        if ops.is_empty() || ops.len() > MAX_TRANSACT_ITEMS {
            return Err(PortError::Invalid {
                backend: Backend::Store,
                detail: format!("a transaction holds 1..={MAX_TRANSACT_ITEMS} operations, not {}", ops.len()),
            });
        }
        let items = ops.into_iter().map(|op| self.transact_item(op)).collect::<PortResult<Vec<_>>>()?;
        // One token for every attempt of this transaction: DynamoDB treats a request with a token it committed
        // in the last 10 minutes as that request, answering success without writing again. So when an answer is
        // lost or late (the commit may have happened), the same transaction is sent again and its answer is the
        // real outcome — not a 503 for an order that was placed, nor a conflict with its own first attempt.
        // (Random, not derived from the operations: two deliberate, identical transactions must both apply.)
        let token = uuid::Uuid::new_v4().to_string();
        let mut attempt = 1;
        loop {
            let call = self
                .client
                .transact_write_items()
                .set_transact_items(Some(items.clone()))
                .client_request_token(&token)
                .send();
            let unsure = match tokio::time::timeout(self.timeout, call).await {
                Ok(Ok(_)) => return Ok(()),
                Ok(Err(SdkError::ServiceError(service))) if service.err().is_transaction_canceled_exception() => {
                    return Err(cancellation(service.err()));
                }
                // The first attempt is still being applied: its outcome will be this one's.
                Ok(Err(SdkError::ServiceError(service))) if service.err().is_transaction_in_progress_exception() => {
                    PortError::unavailable(Backend::Store, "the transaction was still in progress")
                }
                // No answer, or one that did not arrive whole: the transaction may have committed.
                Ok(Err(
                    e @ (SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_)),
                )) => unavailable(e),
                Ok(Err(other)) => return Err(map_err(other)),
                Err(_) => PortError::Timeout { backend: Backend::Store, operation: "transact" },
            };
            if attempt >= TRANSACT_ATTEMPTS {
                return Err(unsure);
            }
            tracing::warn!(attempt, error = %unsure, "transaction's outcome unknown; sending it again with its token");
            tokio::time::sleep(crate::timeout::backoff(attempt)).await;
            attempt += 1;
        }
    }

    async fn query(&self, query: Query) -> PortResult<Page> {
        let (pk_attr, sk_attr) = query.index.key_attributes();
        let mut expr = Expr::default();
        expr.names.insert("#p".into(), pk_attr.into());
        expr.values.insert(":p".into(), AttributeValue::S(query.partition.clone()));
        let mut key_condition = "#p = :p".to_owned();
        if query.range != KeyRange::All {
            // DynamoDB rejects placeholders the expression does not use.
            expr.names.insert("#s".into(), sk_attr.into());
        }
        match &query.range {
            KeyRange::All => {}
            KeyRange::BeginsWith(prefix) => {
                expr.values.insert(":s".into(), AttributeValue::S(prefix.clone()));
                key_condition.push_str(" AND begins_with(#s, :s)");
            }
            KeyRange::Between(lo, hi) => {
                expr.values.insert(":lo".into(), AttributeValue::S(lo.clone()));
                expr.values.insert(":hi".into(), AttributeValue::S(hi.clone()));
                key_condition.push_str(" AND #s BETWEEN :lo AND :hi");
            }
            KeyRange::Before(hi) => {
                expr.values.insert(":s".into(), AttributeValue::S(hi.clone()));
                key_condition.push_str(" AND #s < :s");
            }
            KeyRange::After(lo) => {
                expr.values.insert(":s".into(), AttributeValue::S(lo.clone()));
                key_condition.push_str(" AND #s > :s");
            }
        }
        let limit = i32::try_from(query.limit.max(1)).unwrap_or(i32::MAX);
        let call = async {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .set_index_name(query.index.name().map(str::to_owned))
                .key_condition_expression(key_condition)
                .set_expression_attribute_names(Some(expr.names.clone()))
                .set_expression_attribute_values(Some(expr.values.clone()))
                .scan_index_forward(query.ascending)
                .consistent_read(query.consistent && query.index == proxy_core::ports::table::Index::Primary)
                .limit(limit)
                .set_exclusive_start_key(query.start_after.map(|Cursor(c)| to_sdk(c)))
                .send()
                .await
                .map_err(map_err)?;
            let now = self.now();
            let wanted = query.expired;
            let items = out
                .items
                .unwrap_or_default()
                .into_iter()
                .map(from_sdk)
                .filter(|i| is_expired(i, now) == wanted)
                .collect();
            let next = out.last_evaluated_key.filter(|k| !k.is_empty()).map(|k| Cursor(from_sdk(k)));
            Ok(Page { items, next })
        };
        with_timeout(Backend::Store, "query", self.timeout, call).await
    }

    async fn ping(&self) -> PortResult<()> {
        // A GetItem on a key nothing uses: one cheap read, and the only permission it needs is the one
        // every function has anyway.
        self.get(&Key::new("HEALTH#PING", "HEALTH#PING")).await.map(|_| ())
    }

    fn take_throttled(&self) -> u64 {
        self.throttled.swap(0, std::sync::atomic::Ordering::Relaxed)
    }

    async fn describe(&self) -> PortResult<TableFigures> {
        let call = async {
            let out = self.client.describe_table().table_name(&self.table).send().await.map_err(map_err)?;
            let table = out.table.unwrap_or_else(|| aws_sdk_dynamodb::types::TableDescription::builder().build());
            let count = |n: Option<i64>| n.and_then(|n| u64::try_from(n).ok()).unwrap_or(0);
            Ok(TableFigures { item_count: count(table.item_count), size_bytes: count(table.table_size_bytes) })
        };
        with_timeout(Backend::Store, "describe", self.timeout, call).await
    }
}
