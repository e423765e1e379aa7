//! The cache's statistics: counted in the instance (atomics, no round trip per read) and added to hourly
//! counters in Redis at most every `FLUSH_EVERY`, in one round trip, so the admin overview sees every instance's
//! figures. An instance that stops between flushes loses at most that much; a failed flush keeps its counts
//! for the next one.

use crate::views::StoreName;
use chrono::{DateTime, Duration, Utc};
use proxy_core::error::PortError;
use proxy_core::ports::{Cache, CounterChange, CounterUpdate};
use serde::Serialize;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

pub const FLUSH_EVERY: Duration = Duration::seconds(10);
/// Hourly buckets are kept this long.
pub const KEPT: Duration = Duration::hours(48);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metric {
    /// Served from the instance.
    L1Hits,
    /// Not in the instance (or not fresh there) when the store's policy allows serving from it.
    L1Misses,
    /// Dropped by the instance to stay within its bounds.
    L1Evictions,
    L2Hits,
    L2Misses,
    /// Redis did not answer: the read fell through to the source, or the write was skipped.
    L2Errors,
    /// Reads that recomputed a value before it expired (XFetch), so its expiry does not send every instance
    /// to the source at once.
    EarlyRefreshes,
    /// Loads from the source, and their total time.
    Loads,
    LoadMicros,
    /// Loaded values not stored because a write invalidated one of their tags during the load.
    WritesRefused,
    /// The largest instance tier seen in the hour (a gauge: raised, never added).
    L1EntriesPeak,
    L1BytesPeak,
}

impl Metric {
    pub const ALL: [Metric; 12] = [
        Metric::L1Hits,
        Metric::L1Misses,
        Metric::L1Evictions,
        Metric::L2Hits,
        Metric::L2Misses,
        Metric::L2Errors,
        Metric::EarlyRefreshes,
        Metric::Loads,
        Metric::LoadMicros,
        Metric::WritesRefused,
        Metric::L1EntriesPeak,
        Metric::L1BytesPeak,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Metric::L1Hits => "l1_hits",
            Metric::L1Misses => "l1_misses",
            Metric::L1Evictions => "l1_evictions",
            Metric::L2Hits => "l2_hits",
            Metric::L2Misses => "l2_misses",
            Metric::L2Errors => "l2_errors",
            Metric::EarlyRefreshes => "early_refreshes",
            Metric::Loads => "loads",
            Metric::LoadMicros => "load_micros",
            Metric::WritesRefused => "writes_refused",
            Metric::L1EntriesPeak => "l1_entries_peak",
            Metric::L1BytesPeak => "l1_bytes_peak",
        }
    }

    fn is_gauge(self) -> bool {
        matches!(self, Metric::L1EntriesPeak | Metric::L1BytesPeak)
    }
}

/// The counter key of a store's metric in the hour of `at`.
pub fn counter_key(store: StoreName, metric: Metric, at: DateTime<Utc>) -> String {
    format!("cache-stats:{}:{}:{}", store.as_str(), metric.as_str(), at.format("%Y%m%d%H"))
}

/// The instance's counts since the last flush.
pub struct InstanceStats {
    counts: [[AtomicU64; Metric::ALL.len()]; StoreName::ALL.len()],
    last_flush: Mutex<Option<DateTime<Utc>>>,
}

impl Default for InstanceStats {
    fn default() -> Self {
        Self { counts: Default::default(), last_flush: Mutex::new(None) }
    }
}

fn index<T: PartialEq + Copy, const N: usize>(all: [T; N], item: T) -> usize {
    all.iter().position(|x| *x == item).unwrap_or(0)
}

impl InstanceStats {
    fn slot(&self, store: StoreName, metric: Metric) -> &AtomicU64 {
        &self.counts[index(StoreName::ALL, store)][index(Metric::ALL, metric)]
    }

    pub fn add(&self, store: StoreName, metric: Metric, by: u64) {
        self.slot(store, metric).fetch_add(by, Ordering::Relaxed);
    }

    pub fn raise(&self, store: StoreName, metric: Metric, to: u64) {
        self.slot(store, metric).fetch_max(to, Ordering::Relaxed);
    }

    /// The counts not yet flushed.
    pub fn pending(&self, store: StoreName, metric: Metric) -> u64 {
        self.slot(store, metric).load(Ordering::Relaxed)
    }

    /// Adds the counts to the hourly counters if `FLUSH_EVERY` has passed since the last flush (or `force`).
    /// Counts taken for a flush that fails are put back, and the failure returned.
    pub async fn flush(&self, counters: &dyn Cache, now: DateTime<Utc>, force: bool) -> Result<(), PortError> {
        {
            let mut last = self.last_flush.lock().unwrap_or_else(|p| p.into_inner());
            // An instance's first interval starts with its first count: a cold start's first request makes
            // no extra round trip.
            let started = *last.get_or_insert(now);
            if !force && now - started < FLUSH_EVERY {
                return Ok(());
            }
            *last = Some(now);
        }
        let mut taken = Vec::new();
        for store in StoreName::ALL {
            for metric in Metric::ALL {
                let value = self.slot(store, metric).swap(0, Ordering::Relaxed);
                if value > 0 {
                    taken.push((store, metric, value));
                }
            }
        }
        if taken.is_empty() {
            return Ok(());
        }
        let ttl = KEPT.to_std().unwrap_or_default();
        let updates: Vec<CounterUpdate> = taken
            .iter()
            .map(|&(store, metric, value)| CounterUpdate {
                key: counter_key(store, metric, now),
                change: if metric.is_gauge() {
                    CounterChange::Max(value as i64)
                } else {
                    CounterChange::Add(value as i64)
                },
                ttl,
            })
            .collect();
        let flushed = counters.update_counters(&updates).await;
        if flushed.is_err() {
            for (store, metric, value) in taken {
                if metric.is_gauge() {
                    self.raise(store, metric, value);
                } else {
                    self.add(store, metric, value);
                }
            }
        }
        flushed
    }
}

/// A store's figures over a window, summed from the hourly counters.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StoreFigures {
    pub l1: TierFigures,
    pub l2: TierFigures,
    /// Redis calls that failed (reads fell through to the source, writes were skipped).
    pub l2_errors: u64,
    pub early_refreshes: u64,
    pub loads: u64,
    pub average_load_ms: Option<f64>,
    pub writes_refused: u64,
    /// The largest instance tier an instance reported in the window.
    pub l1_entries_peak: u64,
    pub l1_bytes_peak: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TierFigures {
    pub hits: u64,
    pub misses: u64,
    /// Hits over hits and misses; None before the first read.
    pub hit_rate: Option<f64>,
    pub evictions: u64,
}

impl TierFigures {
    fn new(hits: u64, misses: u64, evictions: u64) -> Self {
        let reads = hits + misses;
        Self { hits, misses, hit_rate: (reads > 0).then(|| hits as f64 / reads as f64), evictions }
    }
}

/// The keys `figures` reads: every metric of every store in each hour of the window ending at `now`.
pub fn window_keys(now: DateTime<Utc>, hours: u32) -> Vec<String> {
    let mut keys = Vec::new();
    for store in StoreName::ALL {
        for metric in Metric::ALL {
            for hour in 0..hours {
                keys.push(counter_key(store, metric, now - Duration::hours(i64::from(hour))));
            }
        }
    }
    keys
}

/// Each store's figures from the values of `window_keys(now, hours)`, in the same order.
pub fn figures(values: &[Option<String>], hours: u32) -> Vec<(StoreName, StoreFigures)> {
    let hours = hours as usize;
    let value = |store: usize, metric: usize| -> Vec<u64> {
        let start = (store * Metric::ALL.len() + metric) * hours;
        (start..start + hours)
            .map(|i| values.get(i).cloned().flatten().and_then(|v| v.parse().ok()).unwrap_or(0))
            .collect()
    };
    StoreName::ALL
        .iter()
        .enumerate()
        .map(|(s, store)| {
            let sum = |metric: Metric| value(s, index(Metric::ALL, metric)).iter().sum::<u64>();
            let peak = |metric: Metric| value(s, index(Metric::ALL, metric)).into_iter().max().unwrap_or(0);
            let loads = sum(Metric::Loads);
            let figures = StoreFigures {
                l1: TierFigures::new(sum(Metric::L1Hits), sum(Metric::L1Misses), sum(Metric::L1Evictions)),
                l2: TierFigures::new(sum(Metric::L2Hits), sum(Metric::L2Misses), 0),
                l2_errors: sum(Metric::L2Errors),
                early_refreshes: sum(Metric::EarlyRefreshes),
                loads,
                average_load_ms: (loads > 0).then(|| sum(Metric::LoadMicros) as f64 / loads as f64 / 1000.0),
                writes_refused: sum(Metric::WritesRefused),
                l1_entries_peak: peak(Metric::L1EntriesPeak),
                l1_bytes_peak: peak(Metric::L1BytesPeak),
            };
            (*store, figures)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use adapters::memory::MemoryCache;
    use chrono::TimeZone;
    use proxy_core::clock::ManualClock;
    use std::sync::Arc;

    #[tokio::test]
    async fn counts_reach_the_hourly_counters_at_most_every_flush_interval_and_sum_over_the_window() {
        let start = Utc.with_ymd_and_hms(2026, 11, 30, 10, 59, 55).unwrap();
        let clock = Arc::new(ManualClock::new(start));
        let counters = MemoryCache::new(clock.clone());
        let stats = InstanceStats::default();
        stats.add(StoreName::Default, Metric::L1Hits, 3);
        stats.add(StoreName::Default, Metric::L1Misses, 1);
        stats.add(StoreName::Default, Metric::Loads, 1);
        stats.add(StoreName::Default, Metric::LoadMicros, 4_000);
        stats.raise(StoreName::Default, Metric::L1BytesPeak, 500);
        stats.flush(&counters, start, false).await.unwrap();
        assert_eq!(stats.pending(StoreName::Default, Metric::L1Hits), 3, "the first interval starts now");
        stats.flush(&counters, start, true).await.unwrap();
        assert_eq!(stats.pending(StoreName::Default, Metric::L1Hits), 0, "forced");
        // The next hour: another instance's counts, and this one's within the interval are held back.
        stats.add(StoreName::Default, Metric::L1Hits, 1);
        stats.raise(StoreName::Default, Metric::L1BytesPeak, 300);
        stats.flush(&counters, start + Duration::seconds(5), false).await.unwrap();
        assert_eq!(stats.pending(StoreName::Default, Metric::L1Hits), 1, "within the interval");
        stats.flush(&counters, start + Duration::seconds(10), false).await.unwrap();
        assert_eq!(stats.pending(StoreName::Default, Metric::L1Hits), 0);

        let now = start + Duration::seconds(10);
        let values = counters.get_many(&window_keys(now, 24)).await.unwrap();
        let figures = figures(&values, 24);
        let default = &figures.iter().find(|(s, _)| *s == StoreName::Default).unwrap().1;
        assert_eq!((default.l1.hits, default.l1.misses), (4, 1));
        assert_eq!(default.l1.hit_rate, Some(0.8));
        assert_eq!(default.average_load_ms, Some(4.0));
        assert_eq!(default.l1_bytes_peak, 500, "the peak over the hours, not their sum");
        let sessions = &figures.iter().find(|(s, _)| *s == StoreName::Sessions).unwrap().1;
        assert_eq!(sessions.l1.hit_rate, None, "no read yet");
    }
}
