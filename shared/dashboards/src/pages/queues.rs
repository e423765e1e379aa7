//! `GET /admin/pages/queues` (`PAGE_QUEUES`): every queue's backlog and throughput, and the failed jobs with
//! retry (per queue, as `POST /admin/system/queue/retry` redrives) and delete (per job). The figures are
//! `GET /admin/system/queue`'s and `GET /admin/system/queue/failed`'s.

use super::kit::{self, Action, action, col, custom, num, panel, table, when};
use api::{ApiError, ApiRequest, Html, Identity};
use maud::{Markup, html};
use serde_json::Value;

/// Failed jobs listed (the newest first).
const FAILED_SHOWN: &str = "50";

pub async fn endpoint(ctx: &impl queues::QueuesEnv, request: ApiRequest, caller: Identity) -> Result<Html, ApiError> {
    let live = kit::live_reload(&request)?;
    let failed_query = ApiRequest {
        query: [("limit".to_owned(), FAILED_SHOWN.to_owned())].into_iter().collect(),
        ..ApiRequest::default()
    };
    // The 5-second reload reads the queues only: the failed jobs are reloaded with the page.
    let (overview, failed) =
        tokio::join!(queues::endpoints::overview(ctx, ApiRequest::default(), caller.clone()), async {
            if live { None } else { Some(queues::endpoints::failed_list(ctx, failed_query, caller).await) }
        });
    let mut unavailable = Vec::new();
    let overview = kit::part("queues", overview, &mut unavailable);
    let failed = failed.and_then(|failed| kit::part("failed jobs", failed, &mut unavailable));
    let generated = ctx.clock().now().to_rfc3339();
    let body = html! {
        (queues_panel(overview.as_ref()))
        @if !live { (failed_panel(failed.as_ref(), overview.as_ref())) }
    };
    Ok(Html(
        kit::page("queues", "Queues", &generated, &unavailable, Some(super::system::LIVE_REFRESH), body).into_string(),
    ))
}

fn queues_panel(overview: Option<&Value>) -> Markup {
    panel(
        "queues",
        "Queues",
        true,
        html! {
            @match overview {
                None => (kit::missing("The queues")),
                Some(o) => {
                    @let rows = o.pointer("/stats/queues").and_then(Value::as_array).cloned().unwrap_or_default();
                    @let health = o.pointer("/health/queues").and_then(Value::as_array).cloned().unwrap_or_default();
                    @let rows: Vec<Value> = rows.into_iter().map(|mut r| {
                        r["status"] = health.iter().find(|h| h["queue"] == r["queue"]).map(|h| h["status"].clone()).unwrap_or(Value::Null);
                        r
                    }).collect();
                    (table("Queues", &rows, &[
                        col("Queue", "/queue"),
                        custom("Status", false, |r| kit::badge(r["status"].as_str().unwrap_or("unknown"))),
                        num("Waiting", "/visible"),
                        num("Delayed", "/delayed"),
                        num("In flight", "/in_flight"),
                        num("Dead letters", "/dead_letters"),
                        num("Jobs past hour", "/metrics/jobs_past_hour"),
                        num("Failed past hour", "/metrics/failed_past_hour"),
                        num("Failed 7 days", "/metrics/failed_past_7_days"),
                        num("Avg runtime (ms)", "/metrics/average_runtime_ms"),
                    ], None))
                    @let types = o.pointer("/stats/job_types").and_then(Value::as_array).cloned().unwrap_or_default();
                    h3 { "Job types" }
                    (table("Job types", &types, &[
                        col("Job type", "/job_type"),
                        num("Jobs past hour", "/jobs_past_hour"),
                        num("Avg runtime (ms)", "/average_runtime_ms"),
                        num("Max runtime (ms)", "/max_runtime_ms"),
                    ], None))
                }
            }
        },
    )
}

fn failed_panel(failed: Option<&Value>, overview: Option<&Value>) -> Markup {
    // A retry redrives a queue's dead letters (as many as SQS holds, which the overview counts), not the records.
    let dead: Vec<(String, u64)> = overview
        .and_then(|o| o.pointer("/stats/queues"))
        .and_then(Value::as_array)
        .map(|queues| {
            queues
                .iter()
                .filter_map(|q| Some((q["queue"].as_str()?.to_owned(), q["dead_letters"].as_u64()?)))
                .filter(|(_, n)| *n > 0)
                .collect()
        })
        .unwrap_or_default();
    panel(
        "failed",
        "Failed jobs",
        false,
        html! {
        @match failed {
            None => (kit::missing("The failed jobs")),
            Some(f) => {
                @let jobs = f["failed_jobs"].as_array().cloned().unwrap_or_default();
                @if !dead.is_empty() {
                    div.actions {
                        @for (queue, count) in &dead {
                            @let first = jobs.iter().find(|j| j["queue"] == queue.as_str()).map(|j| kit::text(j.get("job_id"))).unwrap_or_default();
                            (action(Action {
                                label: &format!("Retry the {count} dead letters of {queue}"),
                                method: "POST",
                                url: "/admin/system/queue/retry".into(),
                                body: Some(serde_json::json!({"queue": queue, "limit": (*count).min(u64::from(queues::RETRY_MAX_LIMIT))})),
                                confirm: None,
                                done: format!("Dead letters of {queue} retried"),
                                test: "retry-job",
                                about: Some(("data-job-id", first)),
                            }))
                        }
                    }
                }
                @if jobs.is_empty() { p.empty { "No failed job." } } @else {
                    (table("Failed jobs", &jobs, &[
                            col("Job", "/job_type"),
                            col("Queue", "/queue"),
                            num("Attempts", "/attempts"),
                            custom("Last failed", false, |r| when(r.get("last_failed_at"))),
                            col("Error", "/error"),
                            custom("", false, |r| {
                                let id = kit::text(r.get("job_id"));
                                action(Action {
                                    label: "Delete",
                                    method: "DELETE",
                                    url: format!("/admin/system/queue/failed/{}", kit::segment(&id)),
                                    body: None,
                                    confirm: Some("Delete this failed job for good?".into()),
                                    done: "Failed job deleted".into(),
                                    test: "delete-job",
                                    about: Some(("data-job-id", id)),
                                })
                            }),
                        ], Some(("data-job-id", "/job_id"))))
                    }
                }
            }
        },
    )
}
