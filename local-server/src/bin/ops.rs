//! `ops`: the operators' commands, named after the original's artisan commands, run against the configured
//! backend — the functions' own environment (`TABLE_NAME`, `REDIS_URL`, `QUEUE_URL_*`, AWS credentials, or
//! `AWS_ENDPOINT_URL` for the emulators). Each command calls the shared service its function calls and prints
//! the result as JSON; a failure exits with status 1. `system:health-check` exits with the system's status:
//! 0 healthy, 1 degraded, 2 critical, 3 when it could not run (and prints its findings, or the whole report
//! with `--json`).
//!
//! ```sh
//! cargo run -q -p local-server --bin ops -- queue:stats
//! cargo run -q -p local-server --bin ops -- queue:maintenance --clear-failed=7
//! cargo run -q -p local-server --bin ops -- system:health-check --json
//! cargo run -q -p local-server --bin ops -- system:alerts --all
//! cargo run -q -p local-server --bin ops -- analytics:generate-report --period=weekly --date 2026-11-20 --force
//! cargo run -q -p local-server --bin ops -- analytics:backfill --from 2026-11-01 --to 2026-11-29
//! ```

use clap::{Parser, Subcommand};
use shared::app::AppContext;
use shared::domain::AlertId;
use shared::domain::Priority;
use shared::services::alerts as platform_alerts;
use shared::services::analytics::{self, reports::ReportKind};
use shared::services::cache::admin::ClearTarget;
use shared::services::cache::{self, StoreName};
use shared::services::health::{self, HealthThresholds};
use shared::services::inventory::{self, InventorySettings};
use shared::services::monitoring::alerts;
use shared::services::queues;
use shared::store::FailedJobFilter;

#[derive(Parser, Debug)]
#[command(name = "ops", about = "Operators' commands against the configured backend")]
struct Ops {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug, PartialEq)]
enum Command {
    /// Each queue's depth, dead letters, worker limit and job metrics, with health and scaling
    /// recommendations (what GET /admin/system/queue shows).
    #[command(name = "queue:stats")]
    Stats,
    /// Deletes dead letters older than N days, with their failed-job records, and archives what it deleted
    /// (what the daily queue-maintenance schedule runs).
    #[command(name = "queue:maintenance")]
    Maintenance {
        #[arg(long = "clear-failed", value_name = "DAYS", default_value_t = queues::scheduled::CLEAR_FAILED_DAYS)]
        clear_failed: u32,
    },
    /// Lists jobs that failed their last attempt, newest first.
    #[command(name = "queue:failed")]
    FailedJobs {
        #[arg(long, value_parser = parse_queue)]
        queue: Option<Priority>,
        #[arg(long = "type", conflicts_with = "queue")]
        job_type: Option<String>,
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u16).range(1..=100))]
        limit: u16,
    },
    /// Moves up to LIMIT dead letters of a queue back to it, keeping their job ids.
    #[command(name = "queue:retry")]
    RetryFailed {
        #[arg(value_parser = parse_queue)]
        queue: Priority,
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=100))]
        limit: u32,
    },
    /// Expires overdue holds, reconciles the counters, alerts, applies scaling and refreshes the forecast
    /// (what the 15-minute inventory-check schedule runs).
    #[command(name = "inventory:check")]
    InventoryCheck,
    /// The rebalance plan; `--execute` queues one migration job per client (at most 500 per call).
    #[command(name = "inventory:rebalance")]
    Rebalance {
        #[arg(long)]
        location: Option<String>,
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=500))]
        limit: Option<u64>,
        #[arg(long)]
        execute: bool,
    },
    /// Runs the cache warmers (all, or those named with --warmer) and reports what each loaded (what the
    /// hourly cache-warmup schedule runs).
    #[command(name = "cache:warmup")]
    CacheWarmup {
        #[arg(long = "warmer", value_name = "NAME")]
        warmers: Vec<String>,
    },
    /// Clears the cache: the keys filed under tags (--tag, repeatable), one store (--store), or every store
    /// (--all) — never a key outside the cache's prefix.
    #[command(name = "cache:clear")]
    CacheClear {
        #[arg(long = "tag", value_name = "TAG", conflicts_with_all = ["store", "all"], required_unless_present_any = ["store", "all"])]
        tags: Vec<String>,
        #[arg(long, value_parser = parse_store, conflicts_with = "all")]
        store: Option<StoreName>,
        #[arg(long)]
        all: bool,
    },
    /// The health check, now: the dependencies, the queues, the servers and the orders. Prints the status and
    /// every finding (the report with --json); exits 0 healthy, 1 degraded, 2 critical.
    #[command(name = "system:health-check")]
    HealthCheck {
        #[arg(long)]
        json: bool,
    },
    /// The analytics report of the last closed day, ISO week or month (or of the one containing --date): stored
    /// once per period; --force replaces a stored one.
    #[command(name = "analytics:generate-report")]
    GenerateReport {
        #[arg(long, value_parser = parse_report_kind)]
        period: ReportKind,
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
        #[arg(long)]
        force: bool,
    },
    /// The analytics rollups of the days [--from, --to] rebuilt from the orders, wallets and customers (what the
    /// rollups hold already is left as it is).
    #[command(name = "analytics:backfill")]
    Backfill {
        #[arg(long)]
        from: chrono::NaiveDate,
        #[arg(long)]
        to: chrono::NaiveDate,
    },
    /// The open alerts (every alert with --all), newest first; --ack ID acknowledges one as the operator.
    #[command(name = "system:alerts")]
    Alerts {
        #[arg(long, conflicts_with = "ack")]
        all: bool,
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u16).range(1..=100))]
        limit: u16,
        #[arg(long, value_name = "ID")]
        ack: Option<String>,
    },
}

fn parse_report_kind(name: &str) -> Result<ReportKind, String> {
    ReportKind::parse(name).ok_or_else(|| "one of: daily, weekly, monthly".to_owned())
}

fn parse_store(name: &str) -> Result<StoreName, String> {
    StoreName::parse(name).ok_or_else(|| "one of: default, sessions, analytics".to_owned())
}

fn parse_queue(name: &str) -> Result<Priority, String> {
    Priority::parse(name).ok_or_else(|| "one of: high, default, low, analytics, notifications".to_owned())
}

/// A service's answer as JSON, or its error in words.
fn json<T: serde::Serialize>(value: Result<T, shared::error::PortError>) -> Result<serde_json::Value, String> {
    value.map_err(|e| e.to_string()).and_then(|v| serde_json::to_value(v).map_err(|e| e.to_string()))
}

async fn run(ctx: &AppContext, command: Command) -> Result<serde_json::Value, String> {
    match command {
        Command::Stats => json(queues::queue_overview(ctx).await),
        Command::Maintenance { clear_failed } => json(queues::maintenance(ctx, clear_failed).await),
        Command::FailedJobs { queue, job_type, limit } => {
            let filter = match (queue, job_type) {
                (Some(queue), _) => FailedJobFilter::Queue(queue),
                (None, Some(job_type)) => FailedJobFilter::JobType(job_type),
                (None, None) => FailedJobFilter::All,
            };
            json(queues::failed_jobs(ctx, &filter, usize::from(limit), None).await)
        }
        Command::RetryFailed { queue, limit } => json(queues::retry_failed(ctx, queue, limit).await),
        Command::InventoryCheck => json(inventory::run_check(ctx, &InventorySettings::default()).await),
        Command::Rebalance { location, limit, execute } => {
            let limit = limit.or(execute.then_some(500));
            json(inventory::rebalance(ctx, &InventorySettings::default(), !execute, location, limit).await)
        }
        Command::CacheWarmup { warmers } => {
            let report = cache::warmup::run(ctx, &warmers).await.map_err(|e| e.to_string())?;
            serde_json::to_value(report).map_err(|e| e.to_string())
        }
        Command::HealthCheck { .. } => json(Ok(health::check(ctx, &HealthThresholds::default()).await)),
        Command::Alerts { ack: Some(id), .. } => {
            let operator = std::env::var("USER").unwrap_or_else(|_| "ops".into());
            let acked = platform_alerts::acknowledge(ctx, &AlertId(id), &format!("ops:{operator}")).await;
            acked.map_err(|e| e.to_string()).and_then(|a| serde_json::to_value(a).map_err(|e| e.to_string()))
        }
        Command::Alerts { all, limit, ack: None } => {
            let listing = if all { alerts::Listing::All } else { alerts::Listing::Open };
            json(alerts::list(ctx, listing, usize::from(limit), None).await)
        }
        Command::GenerateReport { period, date, force } => {
            let generated = analytics::reports::generate_report(ctx, period, date, force).await;
            generated.map_err(|e| e.to_string()).and_then(|g| serde_json::to_value(g).map_err(|e| e.to_string()))
        }
        Command::Backfill { from, to } => {
            let report = analytics::backfill::backfill(ctx, from, to).await;
            report.map_err(|e| e.to_string()).and_then(|r| serde_json::to_value(r).map_err(|e| e.to_string()))
        }
        Command::CacheClear { tags, store, all } => {
            let target = match (store, all) {
                (Some(store), _) => ClearTarget::Store(store),
                (None, true) => ClearTarget::All,
                (None, false) => ClearTarget::Tags(tags),
            };
            let cleared = cache::admin::clear(ctx, &target).await;
            if cleared.removed.is_empty() {
                return Err(format!("the cache is unavailable: {:?}", cleared.errors));
            }
            serde_json::to_value(cleared).map_err(|e| e.to_string())
        }
    }
}

/// The health report as an operator reads it: the status, then each finding.
fn health_summary(report: &serde_json::Value) -> String {
    let mut lines = vec![format!("status: {}", report["status"].as_str().unwrap_or("unknown"))];
    for finding in report["findings"].as_array().into_iter().flatten() {
        lines.push(format!(
            "- [{}] {}",
            finding["status"].as_str().unwrap_or("?"),
            finding["message"].as_str().unwrap_or("")
        ));
    }
    lines.join("\n")
}

/// The exit status of a health check that could not run (monitoring tools' "unknown").
const UNKNOWN: u8 = 3;

/// 0 healthy, 1 degraded, 2 critical (monitoring tools' convention: a check's exit status is its state).
fn health_exit_code(report: &serde_json::Value) -> u8 {
    match report["status"].as_str() {
        Some("healthy") => 0,
        Some("degraded") => 1,
        _ => 2,
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let ops = Ops::parse();
    let health_check = match ops.command {
        Command::HealthCheck { json } => Some(json),
        _ => None,
    };
    // The health check's failure to run is its "unknown" (3), not "degraded" (1).
    let failure = || std::process::ExitCode::from(if health_check.is_some() { UNKNOWN } else { 1 });
    let ctx = match AppContext::from_env().await {
        Ok(ctx) => ctx,
        Err(e) => {
            eprintln!("ops: the backend is not configured: {e}");
            return failure();
        }
    };
    match run(&ctx, ops.command).await {
        Ok(report) if health_check.is_some() => {
            if health_check == Some(true) {
                println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
            } else {
                println!("{}", health_summary(&report));
            }
            std::process::ExitCode::from(health_exit_code(&report))
        }
        Ok(value) => {
            println!("{}", serde_json::to_string_pretty(&value).unwrap_or_default());
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("ops: {e}");
            failure()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn parse(args: &[&str]) -> Result<Command, clap::Error> {
        Ops::try_parse_from(std::iter::once("ops").chain(args.iter().copied())).map(|o| o.command)
    }

    #[test]
    fn the_artisan_spellings_parse() {
        assert_eq!(parse(&["queue:stats"]).unwrap(), Command::Stats);
        assert_eq!(parse(&["inventory:check"]).unwrap(), Command::InventoryCheck);
        assert_eq!(
            parse(&["inventory:rebalance", "--location", "Paris", "--execute"]).unwrap(),
            Command::Rebalance { location: Some("Paris".into()), limit: None, execute: true }
        );
        assert!(parse(&["inventory:rebalance", "--limit", "501"]).is_err());
        assert_eq!(parse(&["queue:maintenance"]).unwrap(), Command::Maintenance { clear_failed: 7 });
        assert_eq!(
            parse(&["queue:maintenance", "--clear-failed=3"]).unwrap(),
            Command::Maintenance { clear_failed: 3 }
        );
        assert_eq!(
            parse(&["queue:retry", "high", "--limit", "5"]).unwrap(),
            Command::RetryFailed { queue: Priority::High, limit: 5 }
        );
        assert!(parse(&["queue:retry", "urgent"]).is_err(), "an unknown queue");
        assert!(parse(&["queue:retry", "high", "--limit", "0"]).is_err());
        assert!(parse(&["queue:failed", "--queue", "low", "--type", "x"]).is_err(), "queue or type");
        assert!(parse(&["queue:maintenance", "--clear-failed=-1"]).is_err());
        assert_eq!(
            parse(&["cache:clear", "--tag", "pricing", "--tag", "customer:c-1"]).unwrap(),
            Command::CacheClear { tags: vec!["pricing".into(), "customer:c-1".into()], store: None, all: false }
        );
        assert_eq!(
            parse(&["cache:clear", "--store", "sessions"]).unwrap(),
            Command::CacheClear { tags: vec![], store: Some(StoreName::Sessions), all: false }
        );
        assert!(parse(&["cache:clear"]).is_err(), "a target is required");
        assert!(parse(&["cache:clear", "--tag", "a", "--all"]).is_err(), "one target");
        assert!(parse(&["cache:clear", "--store", "files"]).is_err());
        assert_eq!(parse(&["cache:warmup"]).unwrap(), Command::CacheWarmup { warmers: vec![] });
    }

    #[tokio::test]
    async fn commands_run_the_shared_services() {
        let ctx = AppContext::in_memory(Arc::new(shared::clock::SystemClock));
        let report = run(&ctx, Command::Maintenance { clear_failed: 7 }).await.unwrap();
        assert_eq!(report["clear_failed_days"], 7);
        assert_eq!(report["queues"].as_array().map(Vec::len), Some(5), "every dead-letter queue was looked at");
        let failed = run(&ctx, Command::FailedJobs { queue: None, job_type: None, limit: 20 }).await.unwrap();
        assert_eq!(failed["failed_jobs"], serde_json::json!([]));
        let retried = run(&ctx, Command::RetryFailed { queue: Priority::Low, limit: 10 }).await.unwrap();
        assert_eq!(retried["requeued"], 0);
        let stats = run(&ctx, Command::Stats).await.unwrap();
        assert_eq!(stats["stats"]["queues"].as_array().map(Vec::len), Some(5));
        assert_eq!(stats["health"]["status"], "healthy");
        let warmed = run(&ctx, Command::CacheWarmup { warmers: vec![] }).await.unwrap();
        let warmers: Vec<&str> =
            warmed["runs"].as_array().unwrap().iter().map(|r| r["warmer"].as_str().unwrap()).collect();
        assert_eq!(warmers, ["pricing-overview", "inventory-overview", "queue-overview"]);
        assert!(warmed["runs"].as_array().unwrap().iter().all(|r| r["ok"] == true), "{warmed}");
        let cleared = run(&ctx, Command::CacheClear { tags: vec![], store: None, all: true }).await.unwrap();
        assert_eq!(cleared["total"], 3, "the three overviews: {cleared}");
        assert!(run(&ctx, Command::CacheWarmup { warmers: vec!["nope".into()] }).await.is_err());
    }

    #[test]
    fn the_analytics_commands_parse() {
        let day = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
        assert_eq!(
            parse(&["analytics:generate-report", "--period=weekly", "--date", "2026-11-20", "--force"]).unwrap(),
            Command::GenerateReport { period: ReportKind::Weekly, date: Some(day("2026-11-20")), force: true }
        );
        assert_eq!(
            parse(&["analytics:generate-report", "--period", "daily"]).unwrap(),
            Command::GenerateReport { period: ReportKind::Daily, date: None, force: false }
        );
        assert!(parse(&["analytics:generate-report", "--period=yearly"]).is_err());
        assert!(parse(&["analytics:generate-report"]).is_err(), "a period is required");
        assert!(parse(&["analytics:generate-report", "--period=daily", "--date", "yesterday"]).is_err());
        assert_eq!(
            parse(&["analytics:backfill", "--from", "2026-11-01", "--to", "2026-11-29"]).unwrap(),
            Command::Backfill { from: day("2026-11-01"), to: day("2026-11-29") }
        );
        assert!(parse(&["analytics:backfill", "--from", "2026-11-01"]).is_err());
    }

    #[tokio::test]
    async fn the_analytics_commands_run_the_shared_services() {
        let ctx = AppContext::in_memory(Arc::new(shared::clock::SystemClock));
        let today = chrono::Utc::now().date_naive();
        let report = Command::GenerateReport { period: ReportKind::Daily, date: None, force: false };
        assert_eq!(run(&ctx, report).await.unwrap()["outcome"], "created");
        let again = Command::GenerateReport { period: ReportKind::Daily, date: None, force: true };
        assert_eq!(run(&ctx, again).await.unwrap()["outcome"], "replaced");
        let open = Command::GenerateReport { period: ReportKind::Monthly, date: Some(today), force: false };
        assert!(run(&ctx, open).await.unwrap_err().contains("has not ended yet"));
        let backfill = run(&ctx, Command::Backfill { from: today, to: today }).await.unwrap();
        assert_eq!(backfill["orders"], serde_json::json!({"found": 0, "applied": 0}));
        let reversed = Command::Backfill { from: today, to: today - chrono::Duration::days(1) };
        assert_eq!(run(&ctx, reversed).await.unwrap_err(), "from must not be after to");
    }

    #[test]
    fn the_monitoring_commands_parse() {
        assert_eq!(parse(&["system:health-check"]).unwrap(), Command::HealthCheck { json: false });
        assert_eq!(parse(&["system:health-check", "--json"]).unwrap(), Command::HealthCheck { json: true });
        assert_eq!(parse(&["system:alerts"]).unwrap(), Command::Alerts { all: false, limit: 20, ack: None });
        assert_eq!(
            parse(&["system:alerts", "--ack", "a-1"]).unwrap(),
            Command::Alerts { all: false, limit: 20, ack: Some("a-1".into()) }
        );
        assert!(parse(&["system:alerts", "--all", "--ack", "a-1"]).is_err());
        assert!(parse(&["system:alerts", "--limit", "0"]).is_err());
    }

    #[tokio::test]
    async fn the_health_check_exits_with_the_system_s_status_and_alerts_list_and_acknowledge() {
        let ctx = AppContext::in_memory(Arc::new(shared::clock::SystemClock));
        let report = run(&ctx, Command::HealthCheck { json: true }).await.unwrap();
        assert_eq!((report["status"].as_str(), health_exit_code(&report)), (Some("healthy"), 0));
        assert_eq!(health_summary(&report), "status: healthy");
        let degraded = serde_json::json!({"status": "degraded", "findings": [{"status": "degraded", "message": "Queue high has 120 waiting jobs."}]});
        assert_eq!(health_exit_code(&degraded), 1);
        assert_eq!(health_summary(&degraded), "status: degraded\n- [degraded] Queue high has 120 waiting jobs.");
        assert_eq!(health_exit_code(&serde_json::json!({"status": "critical"})), 2);

        let sighting = platform_alerts::Sighting {
            severity: shared::domain::AlertSeverity::Warning,
            source: "ops-test",
            key: "ops-test",
            message: "something".into(),
            details: serde_json::json!({}),
        };
        let opened = platform_alerts::observe(&ctx, sighting).await.unwrap();
        let open = run(&ctx, Command::Alerts { all: false, limit: 20, ack: None }).await.unwrap();
        assert_eq!(open["alerts"][0]["id"], serde_json::json!(opened.alert().id));
        let id = opened.alert().id.to_string();
        let acked = run(&ctx, Command::Alerts { all: false, limit: 20, ack: Some(id.clone()) }).await.unwrap();
        assert_eq!(acked["state"], "acknowledged");
        assert!(acked["acknowledged_by"].as_str().unwrap().starts_with("ops:"));
        assert!(run(&ctx, Command::Alerts { all: false, limit: 20, ack: Some(id) }).await.is_err(), "once");
    }
}
