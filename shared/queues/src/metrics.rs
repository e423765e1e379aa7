//! The worker's job metrics — what Horizon's tiles show, from real numbers. Every job the worker runs is
//! counted in the cache in time buckets: per queue and per minute (jobs, total runtime, longest wait before
//! the job started), per job type and per minute (jobs, total runtime, slowest), and per queue and per hour
//! the jobs that failed their last attempt. Each bucket expires when it leaves its window, so memory is
//! bounded by queues x types x window, not by traffic; a batch is one `update_counters` round trip.
//! The same samples go to the logs as CloudWatch embedded metrics (`emf_lines`).

use chrono::{DateTime, Utc};
use proxy_core::domain::Priority;
use proxy_core::error::PortResult;
use proxy_core::ports::{Cache, CounterChange, CounterUpdate};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// Minutes summed for "the past hour" (the current, partial, minute included).
const HOUR_MINUTES: i64 = 60;
/// Complete minutes averaged for "jobs per minute" and looked at for the longest wait.
const RECENT_MINUTES: i64 = 5;
/// Hours summed for "failed in the past 7 days" (the current hour included).
const WEEK_HOURS: i64 = 7 * 24 + 1;
/// A minute bucket outlives the hour it is read in by a few minutes, an hour bucket the week.
const MINUTE_BUCKET_TTL: Duration = Duration::from_secs((HOUR_MINUTES as u64 + 5) * 60);
const HOUR_BUCKET_TTL: Duration = Duration::from_secs((WEEK_HOURS as u64 + 1) * 3600);

/// One job the worker ran (or tried to).
#[derive(Debug, Clone, PartialEq)]
pub struct JobSample {
    /// The queue it came from, when the delivery says.
    pub queue: Option<Priority>,
    pub job_type: String,
    pub runtime: Duration,
    /// From dispatch to the start of its first attempt; None on a retry (the wait then includes the backoff).
    pub waited: Option<Duration>,
    pub outcome: SampleOutcome,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleOutcome {
    Done,
    /// `dead`: it was the last attempt, SQS moves the message to the dead-letter queue.
    Failed {
        dead: bool,
    },
}

fn minute_of(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(60)
}

fn hour_of(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(3600)
}

fn queue_key(queue: Priority, minute: i64, field: &str) -> String {
    format!("jobs:queue:{}:m:{minute}:{field}", queue.as_str())
}

fn dead_key(queue: Priority, hour: i64) -> String {
    format!("jobs:queue:{}:h:{hour}:dead", queue.as_str())
}

fn type_key(job_type: &str, minute: i64, field: &str) -> String {
    format!("jobs:type:{job_type}:m:{minute}:{field}")
}

fn type_hour_key(job_type: &str, hour: i64, field: &str) -> String {
    format!("jobs:type:{job_type}:h:{hour}:{field}")
}

/// What is counted per job type and hour, for the analytics' hourly roll-up: runs, total runtime, failed
/// attempts and jobs that failed for good.
pub const TYPE_HOUR_FIELDS: [&str; 4] = ["jobs", "us", "failed", "dead"];
/// An hour's counters stay a day and a bit (the roll-up catches up on hours a failed run missed).
const TYPE_HOUR_TTL: Duration = Duration::from_secs(26 * 3600);

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

/// The counter updates for a batch of samples taken at `at`.
pub fn updates(samples: &[JobSample], at: DateTime<Utc>) -> Vec<CounterUpdate> {
    let (minute, hour) = (minute_of(at), hour_of(at));
    let in_minute = |key: String, change| CounterUpdate { key, change, ttl: MINUTE_BUCKET_TTL };
    let mut updates = Vec::with_capacity(samples.len() * 6);
    for sample in samples {
        let runtime = micros(sample.runtime);
        if let Some(queue) = sample.queue {
            updates.push(in_minute(queue_key(queue, minute, "jobs"), CounterChange::Add(1)));
            updates.push(in_minute(queue_key(queue, minute, "us"), CounterChange::Add(runtime)));
            if let Some(waited) = sample.waited {
                updates.push(in_minute(queue_key(queue, minute, "wait_us"), CounterChange::Max(micros(waited))));
            }
            if sample.outcome == (SampleOutcome::Failed { dead: true }) {
                updates.push(in_minute(queue_key(queue, minute, "dead"), CounterChange::Add(1)));
                updates.push(CounterUpdate {
                    key: dead_key(queue, hour),
                    change: CounterChange::Add(1),
                    ttl: HOUR_BUCKET_TTL,
                });
            }
        }
        let in_hour = |field: &str, change| CounterUpdate {
            key: type_hour_key(&sample.job_type, hour, field),
            change,
            ttl: TYPE_HOUR_TTL,
        };
        updates.push(in_hour("jobs", CounterChange::Add(1)));
        updates.push(in_hour("us", CounterChange::Add(runtime)));
        if let SampleOutcome::Failed { dead } = sample.outcome {
            updates.push(in_hour("failed", CounterChange::Add(1)));
            if dead {
                updates.push(in_hour("dead", CounterChange::Add(1)));
            }
        }
        updates.push(in_minute(type_key(&sample.job_type, minute, "jobs"), CounterChange::Add(1)));
        updates.push(in_minute(type_key(&sample.job_type, minute, "us"), CounterChange::Add(runtime)));
        updates.push(in_minute(type_key(&sample.job_type, minute, "max_us"), CounterChange::Max(runtime)));
    }
    updates
}

/// Counts a batch in the cache. Metrics never fail a job: a cache error is logged and the batch goes on.
pub async fn record(cache: &dyn Cache, samples: &[JobSample], at: DateTime<Utc>) {
    if samples.is_empty() {
        return;
    }
    if let Err(error) = cache.update_counters(&updates(samples, at)).await {
        tracing::warn!(%error, jobs = samples.len(), "job metrics not recorded");
    }
}

/// The CloudWatch namespace of the embedded metrics.
pub const EMF_NAMESPACE: &str = "1000proxy/Queues";

/// The batch as CloudWatch embedded-metric-format log lines, one per queue and job type: jobs processed and
/// failed, and every runtime (CloudWatch makes the statistics). Dimensions: queue and type, and queue alone.
pub fn emf_lines(samples: &[JobSample], at: DateTime<Utc>) -> Vec<String> {
    let mut groups: BTreeMap<(&str, &str), (u32, u32, Vec<f64>)> = BTreeMap::new();
    for sample in samples {
        let queue = sample.queue.map_or("unknown", Priority::as_str);
        let group = groups.entry((queue, sample.job_type.as_str())).or_default();
        group.0 += 1;
        group.1 += u32::from(matches!(sample.outcome, SampleOutcome::Failed { .. }));
        group.2.push(sample.runtime.as_secs_f64() * 1000.0);
    }
    groups
        .into_iter()
        .map(|((queue, job_type), (processed, failed, runtimes))| {
            serde_json::json!({
                "_aws": {
                    "Timestamp": at.timestamp_millis(),
                    "CloudWatchMetrics": [{
                        "Namespace": EMF_NAMESPACE,
                        "Dimensions": [["Queue", "JobType"], ["Queue"]],
                        "Metrics": [
                            {"Name": "JobsProcessed", "Unit": "Count"},
                            {"Name": "JobsFailed", "Unit": "Count"},
                            {"Name": "JobRuntime", "Unit": "Milliseconds"},
                        ],
                    }],
                },
                "Queue": queue,
                "JobType": job_type,
                "JobsProcessed": processed,
                "JobsFailed": failed,
                "JobRuntime": runtimes,
            })
            .to_string()
        })
        .collect()
}

/// One queue's numbers from the worker's metrics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueMetrics {
    /// Average over the past five complete minutes.
    pub jobs_per_minute: f64,
    pub jobs_past_hour: u64,
    /// Jobs of the past five complete minutes and the current one: zero while jobs wait means a stall.
    pub recent_jobs: u64,
    /// Jobs that failed their last attempt (and went to the dead-letter queue).
    pub failed_past_7_days: u64,
    /// The same, over the past hour (against `jobs_past_hour`: the queue's failure rate).
    pub failed_past_hour: u64,
    /// Over the jobs of the past hour; None when none ran.
    pub average_runtime_ms: Option<f64>,
    /// The longest any job run in the past five minutes (and the current one) had waited for a worker, from
    /// its dispatch or its requeue. SQS's own "age of the oldest message" is a CloudWatch metric, not a queue
    /// attribute; this is what the workers saw.
    pub longest_wait_seconds: Option<f64>,
}

/// One job type's numbers over the past hour.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobTypeMetrics {
    pub job_type: String,
    pub jobs_past_hour: u64,
    pub average_runtime_ms: Option<f64>,
    pub max_runtime_ms: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricsSummary {
    pub queues: BTreeMap<Priority, QueueMetrics>,
    pub job_types: Vec<JobTypeMetrics>,
}

/// Reads every bucket the summary needs in one `get_many` and sums them.
pub async fn summary(cache: &dyn Cache, job_types: &[&str], now: DateTime<Utc>) -> PortResult<MetricsSummary> {
    let (minute, hour) = (minute_of(now), hour_of(now));
    let minutes = || (minute - HOUR_MINUTES + 1)..=minute;
    let mut keys = Vec::new();
    for queue in Priority::ALL {
        for field in ["jobs", "us", "wait_us", "dead"] {
            keys.extend(minutes().map(|m| queue_key(queue, m, field)));
        }
        keys.extend(((hour - WEEK_HOURS + 1)..=hour).map(|h| dead_key(queue, h)));
    }
    for job_type in job_types {
        for field in ["jobs", "us", "max_us"] {
            keys.extend(minutes().map(|m| type_key(job_type, m, field)));
        }
    }
    let values = cache.get_many(&keys).await?;
    // A bucket nobody wrote is None, not 0: a measured wait of 0 is still a measurement.
    let numbers: Vec<Option<i64>> = values.iter().map(|v| v.as_deref().and_then(|v| v.parse().ok())).collect();
    let mut buckets = Buckets(&numbers);
    let hour_minutes = HOUR_MINUTES as usize;
    let ms = |us: i64| us as f64 / 1000.0;
    let average = |total_us: i64, jobs: i64| (jobs > 0).then(|| ms(total_us) / jobs as f64);
    let mut queues = BTreeMap::new();
    for queue in Priority::ALL {
        let (jobs, us, wait) = (buckets.take(hour_minutes), buckets.take(hour_minutes), buckets.take(hour_minutes));
        let dead_past_hour = sum(buckets.take(hour_minutes));
        let dead = sum(buckets.take(WEEK_HOURS as usize));
        // The last bucket is the current minute; the five before it are the recent complete minutes.
        let recent_jobs: i64 = jobs.iter().rev().skip(1).take(RECENT_MINUTES as usize).flatten().sum();
        let longest_wait = wait.iter().rev().take(RECENT_MINUTES as usize + 1).flatten().copied().max();
        queues.insert(
            queue,
            QueueMetrics {
                jobs_per_minute: recent_jobs as f64 / RECENT_MINUTES as f64,
                jobs_past_hour: sum(jobs).max(0) as u64,
                recent_jobs: jobs.iter().rev().take(RECENT_MINUTES as usize + 1).flatten().sum::<i64>().max(0) as u64,
                failed_past_7_days: dead.max(0) as u64,
                failed_past_hour: dead_past_hour.max(0) as u64,
                average_runtime_ms: average(sum(us), sum(jobs)),
                longest_wait_seconds: longest_wait.map(|us| us as f64 / 1e6),
            },
        );
    }
    let job_types = job_types
        .iter()
        .map(|job_type| {
            let (jobs, us, max) = (buckets.take(hour_minutes), buckets.take(hour_minutes), buckets.take(hour_minutes));
            let count = sum(jobs);
            JobTypeMetrics {
                job_type: (*job_type).to_owned(),
                jobs_past_hour: count.max(0) as u64,
                average_runtime_ms: average(sum(us), count),
                max_runtime_ms: max.iter().flatten().copied().max().filter(|_| count > 0).map(ms),
            }
        })
        .collect();
    Ok(MetricsSummary { queues, job_types })
}

/// Each job type's counters of one hour (hours since the epoch), in `TYPE_HOUR_FIELDS` order; None for a type
/// that ran nothing that hour. One read.
pub async fn read_type_hour(cache: &dyn Cache, job_types: &[&str], hour: i64) -> PortResult<Vec<Option<Vec<i64>>>> {
    platform::counters::read_rows(cache, job_types, &TYPE_HOUR_FIELDS, |job_type, field| {
        type_hour_key(job_type, hour, field)
    })
    .await
}

/// The values read, taken in the order their keys were asked for.
struct Buckets<'a>(&'a [Option<i64>]);

fn sum(buckets: &[Option<i64>]) -> i64 {
    buckets.iter().flatten().sum()
}

impl<'a> Buckets<'a> {
    fn take(&mut self, n: usize) -> &'a [Option<i64>] {
        let (head, rest) = self.0.split_at(n.min(self.0.len()));
        self.0 = rest;
        head
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use adapters::memory::MemoryCache;
    use chrono::TimeZone;
    use proxy_core::clock::{Clock, ManualClock};
    use std::sync::Arc;

    fn sample(queue: Priority, job_type: &str, runtime_ms: u64, outcome: SampleOutcome) -> JobSample {
        JobSample {
            queue: Some(queue),
            job_type: job_type.into(),
            runtime: Duration::from_millis(runtime_ms),
            waited: Some(Duration::from_secs(2)),
            outcome,
        }
    }

    fn setup() -> (Arc<ManualClock>, MemoryCache) {
        let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 30).unwrap()));
        let cache = MemoryCache::new(clock.clone());
        (clock, cache)
    }

    const DEAD: SampleOutcome = SampleOutcome::Failed { dead: true };

    #[tokio::test]
    async fn the_past_hour_sums_sixty_minute_buckets_and_jobs_per_minute_averages_five_complete_ones() {
        let (clock, cache) = setup();
        // 61 minutes of one 100 ms job each; the first falls out of the hour.
        for _ in 0..61 {
            record(&cache, &[sample(Priority::High, "order.provision", 100, SampleOutcome::Done)], clock.now()).await;
            clock.advance(chrono::Duration::minutes(1));
        }
        clock.advance(chrono::Duration::minutes(-1));
        // Three more in the current minute: in the hour, not yet in jobs per minute.
        let burst = vec![sample(Priority::High, "order.provision", 400, SampleOutcome::Done); 3];
        record(&cache, &burst, clock.now()).await;
        let summary = summary(&cache, &["order.provision", "idle"], clock.now()).await.unwrap();
        let high = &summary.queues[&Priority::High];
        assert_eq!(high.jobs_past_hour, 63, "60 minutes of one job, plus three now");
        assert_eq!(high.jobs_per_minute, 1.0);
        assert_eq!(high.average_runtime_ms, Some((60.0 * 100.0 + 3.0 * 400.0) / 63.0));
        assert_eq!(high.longest_wait_seconds, Some(2.0));
        assert_eq!(summary.queues[&Priority::Low].jobs_past_hour, 0);
        assert_eq!(summary.queues[&Priority::Low].average_runtime_ms, None, "nothing ran: no average");
        let provision = &summary.job_types[0];
        assert_eq!((provision.jobs_past_hour, provision.max_runtime_ms), (63, Some(400.0)));
        let idle = &summary.job_types[1];
        assert_eq!((idle.jobs_past_hour, idle.average_runtime_ms, idle.max_runtime_ms), (0, None, None));
    }

    #[tokio::test]
    async fn dead_jobs_are_counted_for_seven_days_and_failed_attempts_are_not() {
        let (clock, cache) = setup();
        let failed = [
            sample(Priority::Default, "event.publish", 5, DEAD),
            sample(Priority::Default, "event.publish", 5, SampleOutcome::Failed { dead: false }),
        ];
        record(&cache, &failed, clock.now()).await;
        clock.advance(chrono::Duration::days(7));
        record(&cache, &failed[..1], clock.now()).await;
        let week = summary(&cache, &[], clock.now()).await.unwrap();
        assert_eq!(week.queues[&Priority::Default].failed_past_7_days, 2, "both ends of the week are in");
        clock.advance(chrono::Duration::hours(1));
        let later = summary(&cache, &[], clock.now()).await.unwrap();
        assert_eq!(later.queues[&Priority::Default].failed_past_7_days, 1, "the first left the window");
    }

    #[tokio::test]
    async fn buckets_expire_so_memory_stays_bounded() {
        let (clock, cache) = setup();
        record(&cache, &[sample(Priority::Low, "t", 1, DEAD)], clock.now()).await;
        let keys: Vec<String> =
            updates(&[sample(Priority::Low, "t", 1, DEAD)], clock.now()).into_iter().map(|u| u.key).collect();
        clock.advance(chrono::Duration::hours(2));
        let values = cache.get_many(&keys).await.unwrap();
        let kept: Vec<&String> = keys.iter().zip(&values).filter(|(_, v)| v.is_some()).map(|(k, _)| k).collect();
        let hour = hour_of(clock.now()) - 2;
        let type_hour = |field| type_hour_key("t", hour, field);
        assert_eq!(
            kept,
            [
                &dead_key(Priority::Low, hour),
                &type_hour("jobs"),
                &type_hour("us"),
                &type_hour("failed"),
                &type_hour("dead")
            ],
            "only the hour buckets (the analytics' day, the week's dead letters) are left"
        );
        clock.advance(chrono::Duration::days(1));
        let values = cache.get_many(&keys).await.unwrap();
        let kept: Vec<&String> = keys.iter().zip(&values).filter(|(_, v)| v.is_some()).map(|(k, _)| k).collect();
        assert_eq!(kept, [&dead_key(Priority::Low, hour)], "only the week's bucket is left");
        clock.advance(chrono::Duration::days(8));
        assert!(cache.get_many(&keys).await.unwrap().iter().all(Option::is_none));
    }

    #[test]
    fn a_retry_has_no_wait_and_an_unknown_queue_counts_only_for_its_type() {
        let at = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
        let mut unknown = sample(Priority::High, "t", 1, SampleOutcome::Done);
        unknown.queue = None;
        unknown.waited = None;
        let keys: Vec<String> = updates(&[unknown], at).into_iter().map(|u| u.key).collect();
        assert!(keys.iter().all(|k| k.starts_with("jobs:type:t:")), "{keys:?}");
    }

    #[test]
    fn embedded_metrics_group_by_queue_and_type() {
        let at = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
        let samples = [
            sample(Priority::High, "order.provision", 10, SampleOutcome::Done),
            sample(Priority::High, "order.provision", 30, DEAD),
            sample(Priority::Low, "order.provision", 5, SampleOutcome::Done),
        ];
        let lines = emf_lines(&samples, at);
        assert_eq!(lines.len(), 2);
        let high: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
        assert_eq!(high["_aws"]["Timestamp"], at.timestamp_millis());
        assert_eq!(high["_aws"]["CloudWatchMetrics"][0]["Namespace"], EMF_NAMESPACE);
        assert_eq!(high["Queue"], "high");
        assert_eq!((high["JobsProcessed"].as_u64(), high["JobsFailed"].as_u64()), (Some(2), Some(1)));
        assert_eq!(high["JobRuntime"], serde_json::json!([10.0, 30.0]));
        assert!(emf_lines(&[], at).is_empty());
    }
}
