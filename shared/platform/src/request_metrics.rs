//! The HTTP functions' own request telemetry: every request's function, status class and latency, counted in
//! the cache per function and minute — requests, client errors (4xx), server errors (5xx) and a latency
//! histogram of fixed buckets (`BUCKETS_MS`) — so memory is bounded by functions x minutes x buckets whatever
//! the traffic, and percentiles come from the buckets. An instance keeps its samples in a buffer and writes them
//! in one round trip once a batch is due (`BATCH_SIZE` samples or `BATCH_AGE`): the cache is called once per
//! batch, not per request; what an instance still holds when it is shut down is lost (the log has every request
//! as an embedded metric: `emf_line`, which CloudWatch keeps exactly). The store calls DynamoDB throttled ride
//! along (`store:throttled` per minute), so the health check can say how much the table is throttled.

use chrono::{DateTime, Utc};
use proxy_core::error::PortResult;
use proxy_core::ports::{Cache, CounterChange, CounterUpdate};
use serde::Serialize;
use std::sync::Mutex;
use std::time::Duration;

/// The latency buckets' upper bounds, in milliseconds; a slower request falls in the last, open bucket.
pub const BUCKETS_MS: [u64; 11] = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];
/// A minute's buckets outlive the hour they are read in (`performance_metrics` reads an hour) by a few minutes.
const MINUTE_TTL: Duration = Duration::from_secs(65 * 60);
/// An hour's buckets stay a day and a bit: the analytics' hourly roll-up copies each complete hour to the store
/// and catches up on the hours a failed run missed.
const HOUR_TTL: Duration = Duration::from_secs(26 * 3600);
/// Samples an instance holds before it writes them.
pub const BATCH_SIZE: usize = 50;
/// How long an instance holds its oldest sample before it writes the batch (at its next request).
pub const BATCH_AGE: chrono::Duration = chrono::Duration::seconds(10);
/// The CloudWatch namespace of the embedded metrics.
pub const EMF_NAMESPACE: &str = "1000proxy/Api";

/// One request an HTTP function answered.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestSample {
    pub function: &'static str,
    pub status: u16,
    pub latency: Duration,
    pub at: DateTime<Utc>,
    /// Calls the store throttled while it ran (this instance's since its last sample).
    pub store_throttled: u64,
    /// The customer who called (their subject), counted among the distinct active customers; None for an
    /// anonymous or admin call.
    pub customer: Option<String>,
}

fn minute_of(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(60)
}

fn key(function: &str, minute: i64, field: &str) -> String {
    format!("req:{function}:m:{minute}:{field}")
}

fn hour_key(function: &str, hour: i64, field: &str) -> String {
    format!("req:{function}:h:{hour}:{field}")
}

fn active_minute_key(minute: i64) -> String {
    format!("active:m:{minute}")
}

fn active_day_key(day: i64) -> String {
    format!("active:d:{day}")
}

/// A customer as a distinct counter's member: a stable 64-bit hash of their subject.
fn member(subject: &str) -> i64 {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(subject.as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}

/// The fields counted per function and time bucket: requests, 4xx, 5xx, then each latency bucket.
pub fn fields() -> Vec<String> {
    ["n", "4xx", "5xx"].into_iter().map(str::to_owned).chain((0..=BUCKETS_MS.len()).map(|b| format!("b{b}"))).collect()
}

/// The bucket a latency falls in (an index of `BUCKETS_MS`, or its length for the open one).
fn bucket_of(latency: Duration) -> usize {
    let ms = latency.as_secs_f64() * 1000.0;
    BUCKETS_MS.iter().position(|bound| ms <= *bound as f64).unwrap_or(BUCKETS_MS.len())
}

/// The counter updates of a batch.
pub fn updates(samples: &[RequestSample]) -> Vec<CounterUpdate> {
    let mut updates = Vec::with_capacity(samples.len() * 6);
    for sample in samples {
        let (minute, hour) = (minute_of(sample.at), sample.at.timestamp().div_euclid(3600));
        let mut count = |field: &str| {
            let change = CounterChange::Add(1);
            updates.push(CounterUpdate { key: key(sample.function, minute, field), change, ttl: MINUTE_TTL });
            updates.push(CounterUpdate { key: hour_key(sample.function, hour, field), change, ttl: HOUR_TTL });
        };
        count("n");
        match sample.status {
            400..=499 => count("4xx"),
            500..=599 => count("5xx"),
            _ => {}
        }
        count(&format!("b{}", bucket_of(sample.latency)));
        if let Some(customer) = &sample.customer {
            let change = CounterChange::Distinct(member(customer));
            let day = sample.at.timestamp().div_euclid(86_400);
            updates.push(CounterUpdate { key: active_minute_key(minute), change, ttl: MINUTE_TTL });
            updates.push(CounterUpdate { key: active_day_key(day), change, ttl: HOUR_TTL });
        }
        if sample.store_throttled > 0 {
            updates.push(store_throttles(sample.store_throttled, sample.at));
        }
    }
    updates
}

fn throttle_key(minute: i64) -> String {
    format!("store:throttled:m:{minute}")
}

/// The update that counts `throttled` store calls in the minute of `at`.
pub fn store_throttles(throttled: u64, at: DateTime<Utc>) -> CounterUpdate {
    CounterUpdate {
        key: throttle_key(minute_of(at)),
        change: CounterChange::Add(i64::try_from(throttled).unwrap_or(i64::MAX)),
        ttl: MINUTE_TTL,
    }
}

/// Counts store throttles seen outside a request (a worker's batch): one round trip, only when there are some.
pub async fn record_store_throttles(cache: &dyn Cache, throttled: u64, at: DateTime<Utc>) {
    if throttled == 0 {
        return;
    }
    if let Err(error) = cache.update_counters(&[store_throttles(throttled, at)]).await {
        tracing::warn!(%error, throttled, "store throttles not recorded");
    }
}

/// The store calls throttled over the `minutes` up to and including the one `now` is in, across instances.
pub async fn read_store_throttles(cache: &dyn Cache, minutes: i64, now: DateTime<Utc>) -> PortResult<u64> {
    let last = minute_of(now);
    let keys: Vec<String> = ((last - minutes + 1)..=last).map(throttle_key).collect();
    let values = cache.get_many(&keys).await?;
    Ok(values.iter().filter_map(|v| v.as_deref().and_then(|v| v.parse::<u64>().ok())).sum())
}

/// The request as a CloudWatch embedded-metric log line: its function, count, status class and latency.
pub fn emf_line(sample: &RequestSample) -> String {
    let class = |low: u16| u8::from((low..low + 100).contains(&sample.status));
    serde_json::json!({
        "_aws": {
            "Timestamp": sample.at.timestamp_millis(),
            "CloudWatchMetrics": [{
                "Namespace": EMF_NAMESPACE,
                "Dimensions": [["Function"]],
                "Metrics": [
                    {"Name": "Requests", "Unit": "Count"},
                    {"Name": "ClientErrors", "Unit": "Count"},
                    {"Name": "ServerErrors", "Unit": "Count"},
                    {"Name": "Latency", "Unit": "Milliseconds"},
                ],
            }],
        },
        "Function": sample.function,
        "Requests": 1,
        "ClientErrors": class(400),
        "ServerErrors": class(500),
        "Latency": sample.latency.as_secs_f64() * 1000.0,
    })
    .to_string()
}

/// An instance's samples not written yet.
#[derive(Default)]
pub struct RequestRecorder {
    pending: Mutex<Vec<RequestSample>>,
}

impl RequestRecorder {
    /// Keeps `sample`; returns the batch to write when one is due (the caller writes it with `write`).
    pub fn record(&self, sample: RequestSample) -> Option<Vec<RequestSample>> {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        let now = sample.at;
        pending.push(sample);
        let oldest = pending.first().map_or(now, |s| s.at);
        (pending.len() >= BATCH_SIZE || now - oldest >= BATCH_AGE).then(|| std::mem::take(&mut *pending))
    }

    /// Every sample held, to write now (a local run's or a test's flush).
    pub fn take(&self) -> Vec<RequestSample> {
        std::mem::take(&mut *self.pending.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// Writes a batch in one round trip. Telemetry never fails a request: an error is logged and the batch dropped.
pub async fn write(cache: &dyn Cache, batch: &[RequestSample]) {
    if batch.is_empty() {
        return;
    }
    if let Err(error) = cache.update_counters(&updates(batch)).await {
        tracing::warn!(%error, requests = batch.len(), "request telemetry not recorded");
    }
}

/// One function's requests over a window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunctionRequests {
    pub function: String,
    pub requests: u64,
    pub client_errors: u64,
    pub server_errors: u64,
    /// Upper bounds of the buckets the percentiles fall in (None: no request, or in the open bucket above the
    /// last bound — then `BUCKETS_MS`'s last bound is exceeded).
    pub p50_ms: Option<u64>,
    pub p95_ms: Option<u64>,
    pub p99_ms: Option<u64>,
    /// Requests slower than the last bucket's bound.
    pub over_last_bucket: u64,
}

impl FunctionRequests {
    /// Server errors over requests (None without requests).
    pub fn server_error_rate(&self) -> Option<f64> {
        (self.requests > 0).then(|| self.server_errors as f64 / self.requests as f64)
    }
}

/// The upper bound of the bucket where `share` of the requests are at or below (None in the open bucket).
fn percentile(buckets: &[u64], share: f64) -> Option<u64> {
    let total: u64 = buckets.iter().sum();
    if total == 0 {
        return None;
    }
    let wanted = (total as f64 * share).ceil() as u64;
    let mut seen = 0;
    for (index, count) in buckets.iter().enumerate() {
        seen += count;
        if seen >= wanted {
            return BUCKETS_MS.get(index).copied();
        }
    }
    None
}

/// The requests of each of `functions` over the `minutes` up to and including the one `now` is in: one read of
/// every bucket.
pub async fn read(
    cache: &dyn Cache,
    functions: &[&str],
    minutes: i64,
    now: DateTime<Utc>,
) -> PortResult<Vec<FunctionRequests>> {
    let last = minute_of(now);
    let fields = fields();
    let mut keys = Vec::with_capacity(functions.len() * minutes.max(0) as usize * fields.len());
    for function in functions {
        for minute in (last - minutes + 1)..=last {
            keys.extend(fields.iter().map(|field| key(function, minute, field)));
        }
    }
    let values = cache.get_many(&keys).await?;
    let number = |value: &Option<String>| value.as_deref().and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    let per_function = fields.len() * minutes.max(0) as usize;
    Ok(functions
        .iter()
        .enumerate()
        .map(|(index, function)| {
            let mut sums = vec![0u64; fields.len()];
            let slice = &values[index * per_function..(index + 1) * per_function];
            for (position, value) in slice.iter().enumerate() {
                sums[position % fields.len()] += number(value);
            }
            let buckets = &sums[3..];
            FunctionRequests {
                function: (*function).to_owned(),
                requests: sums[0],
                client_errors: sums[1],
                server_errors: sums[2],
                p50_ms: percentile(buckets, 0.50),
                p95_ms: percentile(buckets, 0.95),
                p99_ms: percentile(buckets, 0.99),
                over_last_bucket: buckets[BUCKETS_MS.len()],
            }
        })
        .collect())
}

/// Each function's counters of one hour (`hour`: hours since the epoch), in `fields()` order; None for a
/// function that counted nothing that hour (or whose counters have expired). One read.
pub async fn read_hour(cache: &dyn Cache, functions: &[&str], hour: i64) -> PortResult<Vec<Option<Vec<u64>>>> {
    let fields = fields();
    let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
    let rows = crate::counters::read_rows(cache, functions, &fields, |function, field| hour_key(function, hour, field));
    Ok(rows
        .await?
        .into_iter()
        .map(|row| row.map(|counts| counts.into_iter().map(|c| c.max(0) as u64).collect()))
        .collect())
}

/// The distinct customers who called over the `minutes` up to and including the one `now` is in (a union of
/// the minutes' HyperLogLogs): one read.
pub async fn active_customers(cache: &dyn Cache, minutes: i64, now: DateTime<Utc>) -> PortResult<u64> {
    let last = minute_of(now);
    let keys: Vec<String> = ((last - minutes + 1)..=last).map(active_minute_key).collect();
    cache.count_distinct(&keys).await
}

/// The distinct customers who called today (UTC) so far: one read.
pub async fn active_customers_today(cache: &dyn Cache, now: DateTime<Utc>) -> PortResult<u64> {
    cache.count_distinct(&[active_day_key(now.timestamp().div_euclid(86_400))]).await
}

/// Every function's requests summed over the hours [from, to] (hours since the epoch), in `fields()` order
/// (latency buckets summed too): one read.
pub async fn hours_total(cache: &dyn Cache, functions: &[&str], from: i64, to: i64) -> PortResult<Vec<u64>> {
    sum_keys(cache, functions, (from..=to).collect(), hour_key).await
}

/// Every function's requests summed over the `minutes` up to and including the one `now` is in: one read.
pub async fn minutes_total(
    cache: &dyn Cache,
    functions: &[&str],
    minutes: i64,
    now: DateTime<Utc>,
) -> PortResult<Vec<u64>> {
    let last = minute_of(now);
    sum_keys(cache, functions, ((last - minutes + 1)..=last).collect(), key).await
}

async fn sum_keys(
    cache: &dyn Cache,
    functions: &[&str],
    buckets: Vec<i64>,
    key_of: fn(&str, i64, &str) -> String,
) -> PortResult<Vec<u64>> {
    let fields = fields();
    let mut keys = Vec::with_capacity(buckets.len() * functions.len() * fields.len());
    for bucket in buckets {
        for function in functions {
            keys.extend(fields.iter().map(|field| key_of(function, bucket, field)));
        }
    }
    let values = cache.get_many(&keys).await?;
    let mut sums = vec![0u64; fields.len()];
    for (position, value) in values.iter().enumerate() {
        sums[position % fields.len()] += value.as_deref().and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    }
    Ok(sums)
}

/// The bucket bound `share` of the requests are at or below, from summed latency buckets (None: no requests,
/// or in the open bucket).
pub fn percentile_of(buckets: &[u64], share: f64) -> Option<u64> {
    percentile(buckets, share)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latencies_fall_in_fixed_buckets_and_percentiles_are_their_bounds() {
        assert_eq!(bucket_of(Duration::from_millis(5)), 0);
        assert_eq!(bucket_of(Duration::from_micros(5_001)), 1);
        assert_eq!(bucket_of(Duration::from_millis(900)), 7);
        assert_eq!(bucket_of(Duration::from_secs(30)), BUCKETS_MS.len());
        // 90 fast, 8 at 400 ms, 2 at 3 s: p50 5 ms, p95 500 ms, p99 5 s.
        let mut buckets = vec![0u64; BUCKETS_MS.len() + 1];
        buckets[0] = 90;
        buckets[6] = 8;
        buckets[9] = 2;
        assert_eq!(
            (percentile(&buckets, 0.5), percentile(&buckets, 0.95), percentile(&buckets, 0.99)),
            (Some(5), Some(500), Some(5000))
        );
        buckets[BUCKETS_MS.len()] = 50;
        assert_eq!(percentile(&buckets, 0.99), None, "in the open bucket");
        assert_eq!(percentile(&[0; 12], 0.5), None);
    }

    #[test]
    fn a_batch_is_due_at_its_size_or_age() {
        let recorder = RequestRecorder::default();
        let at = DateTime::from_timestamp(1_795_000_000, 0).unwrap();
        let sample = |at| RequestSample {
            function: "orders-list",
            status: 200,
            latency: Duration::from_millis(3),
            at,
            store_throttled: 0,
            customer: None,
        };
        for _ in 0..BATCH_SIZE - 1 {
            assert!(recorder.record(sample(at)).is_none());
        }
        assert_eq!(recorder.record(sample(at)).map(|b| b.len()), Some(BATCH_SIZE));
        assert!(recorder.record(sample(at)).is_none());
        let late = recorder.record(sample(at + BATCH_AGE)).expect("the oldest is 10 s old");
        assert_eq!(late.len(), 2);
        assert!(recorder.take().is_empty());
        let line: serde_json::Value =
            serde_json::from_str(&emf_line(&RequestSample { status: 503, ..sample(at) })).unwrap();
        assert_eq!((line["ServerErrors"].as_u64(), line["ClientErrors"].as_u64()), (Some(1), Some(0)));
    }
}
