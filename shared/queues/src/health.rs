//! `queue_health`: healthy | warning | critical per queue and overall, from a snapshot of each queue, with
//! thresholds as configuration (defaults are the original's: backlog > 500 warning, > 1000 critical; `high`
//! backlog > 100 warning — customers wait on it; dead letters > 50 warning, > 100 critical; jobs that waited
//! longer than their queue's limit before a worker took them; ready jobs that no worker takes; a backlog with
//! no worker allowed to run). Each finding carries a sentence saying what to do. Pure: the caller gathers the
//! snapshots. SQS's "age of the oldest message" is a CloudWatch metric, not a queue attribute: the waits are
//! those the worker measured (`metrics`), and a stall shows as ready jobs with none done lately.

use proxy_core::domain::Priority;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// What is known about one queue at one moment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueSnapshot {
    pub queue: Priority,
    /// Ready to be received.
    pub visible: u64,
    pub in_flight: u64,
    pub delayed: u64,
    /// Messages in its dead-letter queue.
    pub dead_letters: u64,
    /// The longest a job run lately (past five minutes) had waited for a worker, when known.
    pub longest_recent_wait: Option<Duration>,
    /// Jobs run in the past five minutes, when the worker's metrics are known.
    pub recent_jobs: Option<u64>,
    /// The most workers (Lambda instances) allowed to run its jobs at once; None when unknown or unlimited.
    pub max_concurrency: Option<u32>,
    /// Jobs run in the past hour (every attempt) and those that failed their last attempt, when the metrics are
    /// known: the failure rate.
    pub jobs_past_hour: Option<u64>,
    pub failed_past_hour: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QueueHealthStatus {
    Healthy,
    Warning,
    Critical,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueFinding {
    /// Which condition (`backlog`, `no_workers`, `failed`, `slow`, `stalled`, `failing`): the same kind on the same queue is
    /// the same condition while it lasts (the health check keeps one alert per condition).
    pub kind: &'static str,
    pub status: QueueHealthStatus,
    pub message: String,
    pub recommendation: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueHealth {
    pub queue: Priority,
    pub status: QueueHealthStatus,
    pub findings: Vec<QueueFinding>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HealthReport {
    pub status: QueueHealthStatus,
    pub queues: Vec<QueueHealth>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueThresholds {
    pub backlog_warning: u64,
    pub backlog_critical: u64,
    /// Stricter warning for the `high` queue (order provisioning).
    pub high_backlog_warning: u64,
    pub dead_letters_warning: u64,
    pub dead_letters_critical: u64,
    /// How long a job of each queue may wait for a worker.
    pub wait_limit: BTreeMap<Priority, Duration>,
    /// A queue whose past hour ran at least this many jobs is judged on its failure rate: above the warning share
    /// of them failing for good is a warning, above the critical share critical.
    pub failures_judged_from: u64,
    pub failure_rate_warning: f64,
    pub failure_rate_critical: f64,
}

impl Default for QueueThresholds {
    fn default() -> Self {
        let minutes = |m: u64| Duration::from_secs(m * 60);
        QueueThresholds {
            backlog_warning: 500,
            backlog_critical: 1000,
            high_backlog_warning: 100,
            dead_letters_warning: 50,
            dead_letters_critical: 100,
            wait_limit: BTreeMap::from([
                (Priority::High, minutes(2)),
                (Priority::Notifications, minutes(5)),
                (Priority::Default, minutes(15)),
                (Priority::Analytics, minutes(60)),
                (Priority::Low, minutes(60)),
            ]),
            failures_judged_from: 20,
            failure_rate_warning: 0.10,
            failure_rate_critical: 0.25,
        }
    }
}

fn finding(kind: &'static str, status: QueueHealthStatus, message: String, recommendation: &str) -> QueueFinding {
    QueueFinding { kind, status, message, recommendation: recommendation.to_owned() }
}

pub fn queue_health(snapshot: &QueueSnapshot, t: &QueueThresholds) -> QueueHealth {
    use QueueHealthStatus::*;
    let name = snapshot.queue.as_str();
    let backlog = snapshot.visible + snapshot.delayed;
    let mut findings = Vec::new();
    if backlog > t.backlog_critical {
        findings.push(finding(
            "backlog",
            Critical,
            format!("{name} has {backlog} jobs waiting (critical above {})", t.backlog_critical),
            "Raise the queue's worker concurrency and look for a slow or failing dependency.",
        ));
    } else if backlog > t.backlog_warning {
        findings.push(finding(
            "backlog",
            Warning,
            format!("{name} has {backlog} jobs waiting (warning above {})", t.backlog_warning),
            "Raise the queue's worker concurrency if the backlog keeps growing.",
        ));
    } else if snapshot.queue == Priority::High && backlog > t.high_backlog_warning {
        findings.push(finding(
            "backlog",
            Warning,
            format!(
                "high has {backlog} jobs waiting (warning above {}): customers are waiting",
                t.high_backlog_warning
            ),
            "Customer orders are waiting to be provisioned: raise the high queue's concurrency first.",
        ));
    }
    if backlog > 0 && snapshot.max_concurrency == Some(0) {
        findings.push(finding(
            "no_workers",
            Warning,
            format!("{name} has {backlog} jobs waiting and no worker allowed to run them"),
            "Enable the queue's event source mapping or give it a concurrency above zero.",
        ));
    }
    if snapshot.dead_letters > t.dead_letters_critical {
        findings.push(finding(
            "failed",
            Critical,
            format!("{name} has {} dead letters (critical above {})", snapshot.dead_letters, t.dead_letters_critical),
            "Read the failed jobs' errors, fix the cause, then retry them.",
        ));
    } else if snapshot.dead_letters > t.dead_letters_warning {
        findings.push(finding(
            "failed",
            Warning,
            format!("{name} has {} dead letters (warning above {})", snapshot.dead_letters, t.dead_letters_warning),
            "Read the failed jobs' errors and retry the ones whose cause is gone.",
        ));
    }
    if let (Some(age), Some(limit)) = (snapshot.longest_recent_wait, t.wait_limit.get(&snapshot.queue))
        && age > *limit
    {
        findings.push(finding(
            "slow",
            Warning,
            format!("{name}'s jobs waited up to {} s before starting (limit {} s)", age.as_secs(), limit.as_secs()),
            "Jobs are not being picked up in time: check the workers' errors and throttling.",
        ));
    }
    if snapshot.visible > 0 && snapshot.recent_jobs == Some(0) && snapshot.max_concurrency != Some(0) {
        findings.push(finding(
            "stalled",
            Warning,
            format!("{name} has {} jobs ready and none was run in the past five minutes", snapshot.visible),
            "The workers are not taking jobs: check the worker's errors, throttling and event source mapping.",
        ));
    }
    if let (Some(jobs), Some(failed)) = (snapshot.jobs_past_hour, snapshot.failed_past_hour)
        && jobs >= t.failures_judged_from
    {
        let rate = failed as f64 / jobs as f64;
        if rate > t.failure_rate_warning {
            findings.push(finding(
                "failing",
                if rate > t.failure_rate_critical { Critical } else { Warning },
                format!(
                    "{name}'s jobs failed for good {failed} times in {jobs} runs in the past hour ({:.0} %)",
                    rate * 100.0
                ),
                "Read the failed jobs' errors: a dependency or a bad payload is failing them.",
            ));
        }
    }
    let status = findings.iter().map(|f| f.status).max().unwrap_or(Healthy);
    QueueHealth { queue: snapshot.queue, status, findings }
}

/// Every queue's health; the overall status is the worst.
pub fn health_report(snapshots: &[QueueSnapshot], thresholds: &QueueThresholds) -> HealthReport {
    let queues: Vec<QueueHealth> = snapshots.iter().map(|s| queue_health(s, thresholds)).collect();
    let status = queues.iter().map(|q| q.status).max().unwrap_or(QueueHealthStatus::Healthy);
    HealthReport { status, queues }
}

#[cfg(test)]
mod tests {
    use super::*;
    use QueueHealthStatus::*;

    fn snapshot(queue: Priority, visible: u64, dead_letters: u64) -> QueueSnapshot {
        QueueSnapshot {
            queue,
            visible,
            in_flight: 0,
            delayed: 0,
            dead_letters,
            longest_recent_wait: None,
            recent_jobs: None,
            max_concurrency: Some(5),
            jobs_past_hour: None,
            failed_past_hour: None,
        }
    }

    #[test]
    fn a_queue_whose_jobs_fail_for_good_is_judged_on_its_rate_once_enough_ran() {
        let ran = |jobs, failed| QueueSnapshot {
            jobs_past_hour: Some(jobs),
            failed_past_hour: Some(failed),
            ..snapshot(Priority::Default, 0, 0)
        };
        assert_eq!(status(&ran(19, 19)), Healthy, "too few to judge");
        assert_eq!(status(&ran(100, 10)), Healthy, "10 % is not above 10 %");
        assert_eq!(status(&ran(100, 11)), Warning);
        assert_eq!(status(&ran(100, 26)), Critical);
        let finding = &queue_health(&ran(40, 8), &QueueThresholds::default()).findings[0];
        assert_eq!(
            (finding.kind, finding.message.as_str()),
            ("failing", "default's jobs failed for good 8 times in 40 runs in the past hour (20 %)")
        );
    }

    fn status(s: &QueueSnapshot) -> QueueHealthStatus {
        queue_health(s, &QueueThresholds::default()).status
    }

    #[test]
    fn backlog_edges() {
        assert_eq!(status(&snapshot(Priority::Default, 500, 0)), Healthy, "500 is not above 500");
        assert_eq!(status(&snapshot(Priority::Default, 501, 0)), Warning);
        assert_eq!(status(&snapshot(Priority::Default, 1000, 0)), Warning, "1000 is not above 1000");
        assert_eq!(status(&snapshot(Priority::Default, 1001, 0)), Critical);
        let delayed = QueueSnapshot { delayed: 2, ..snapshot(Priority::Default, 499, 0) };
        assert_eq!(status(&delayed), Warning, "delayed jobs are waiting too");
    }

    #[test]
    fn the_high_queue_warns_earlier() {
        assert_eq!(status(&snapshot(Priority::High, 100, 0)), Healthy);
        let h = queue_health(&snapshot(Priority::High, 101, 0), &QueueThresholds::default());
        assert_eq!(h.status, Warning);
        assert!(h.findings[0].message.contains("customers are waiting"), "{h:?}");
        assert_eq!(status(&snapshot(Priority::Low, 101, 0)), Healthy, "only high");
        assert_eq!(status(&snapshot(Priority::High, 1001, 0)), Critical);
    }

    #[test]
    fn dead_letter_edges() {
        assert_eq!(status(&snapshot(Priority::Low, 0, 50)), Healthy);
        assert_eq!(status(&snapshot(Priority::Low, 0, 51)), Warning);
        assert_eq!(status(&snapshot(Priority::Low, 0, 100)), Warning);
        assert_eq!(status(&snapshot(Priority::Low, 0, 101)), Critical);
    }

    #[test]
    fn the_wait_is_held_to_its_queues_limit() {
        let aged = |queue, secs| QueueSnapshot {
            longest_recent_wait: Some(Duration::from_secs(secs)),
            ..snapshot(queue, 1, 0)
        };
        assert_eq!(status(&aged(Priority::High, 120)), Healthy, "exactly the limit");
        assert_eq!(status(&aged(Priority::High, 121)), Warning);
        assert_eq!(status(&aged(Priority::Low, 121)), Healthy, "low may wait an hour");
        assert_eq!(status(&aged(Priority::Low, 3601)), Warning);
    }

    #[test]
    fn ready_jobs_that_nobody_starts_are_a_stall() {
        let idle = |visible, recent| QueueSnapshot { recent_jobs: recent, ..snapshot(Priority::Default, visible, 0) };
        let stalled = queue_health(&idle(1, Some(0)), &QueueThresholds::default());
        assert_eq!(stalled.status, Warning);
        assert!(stalled.findings[0].message.contains("none was run"), "{stalled:?}");
        assert_eq!(status(&idle(1, Some(1))), Healthy, "one job ran: moving");
        assert_eq!(status(&idle(0, Some(0))), Healthy, "nothing ready: idle, not stalled");
        assert_eq!(status(&idle(1, None)), Healthy, "no metrics: no claim");
    }

    #[test]
    fn a_backlog_without_workers_is_a_warning_and_every_finding_says_what_to_do() {
        let stopped = QueueSnapshot { max_concurrency: Some(0), ..snapshot(Priority::Analytics, 1, 0) };
        assert_eq!(status(&stopped), Warning);
        assert_eq!(status(&QueueSnapshot { max_concurrency: Some(0), ..snapshot(Priority::Analytics, 0, 0) }), Healthy);
        let unlimited = QueueSnapshot { max_concurrency: None, ..snapshot(Priority::Analytics, 1, 0) };
        assert_eq!(status(&unlimited), Healthy, "no limit is not a stop");
        let report = health_report(
            &[snapshot(Priority::High, 0, 0), snapshot(Priority::Low, 2000, 60), stopped],
            &QueueThresholds::default(),
        );
        assert_eq!(report.status, Critical, "the worst queue decides");
        assert_eq!(report.queues[0].status, Healthy);
        for f in report.queues.iter().flat_map(|q| &q.findings) {
            assert!(f.recommendation.ends_with('.') && f.recommendation.len() > 20, "{f:?}");
        }
    }
}
