//! `GET /admin/pages/inventory` (`PAGE_INVENTORY`): capacity per location with its band, the servers' rows with
//! their status change, the band alerts, scaling and the run-out forecast, and rebalancing: `?plan=rebalance`
//! shows the dry run's plan (the `POST /admin/inventory/rebalance` dry run itself, which changes nothing) with the
//! button that executes it after a confirmation. The figures are `GET /admin/inventory`'s.

use super::kit::{self, Action, action, badge, col, custom, num, panel, pct, table, when};
use api::{ApiError, ApiRequest, Html, Identity};
use maud::{Markup, html};
use serde_json::Value;

pub async fn endpoint(
    ctx: &impl inventory::InventoryEnv,
    request: ApiRequest,
    caller: Identity,
) -> Result<Html, ApiError> {
    let planning = match request.query().get("plan").map(String::as_str) {
        None => false,
        Some("rebalance") => true,
        Some(_) => {
            let mut errors = api::FieldErrors::new();
            proxy_core::validation::add_error(&mut errors, "plan", "must be rebalance");
            return Err(ApiError::validation(errors));
        }
    };
    // The dry run and the execution name the same limit, so the plan shown is the plan executed (as far as
    // nothing changes in between: the execution plans again).
    let dry_run = ApiRequest {
        body: serde_json::json!({"dry_run": true, "limit": inventory::requests::REBALANCE_MAX_LIMIT})
            .to_string()
            .into_bytes(),
        ..ApiRequest::default()
    };
    let (overview, plan) =
        tokio::join!(inventory::endpoints::overview(ctx, ApiRequest::default(), caller.clone()), async {
            if planning { Some(inventory::endpoints::rebalance(ctx, dry_run, caller.clone()).await) } else { None }
        });
    let mut unavailable = Vec::new();
    let overview = kit::part("inventory", overview, &mut unavailable);
    let plan = plan.and_then(|plan| kit::part("rebalance plan", plan, &mut unavailable));
    let generated = overview
        .as_ref()
        .and_then(|o| o["generated_at"].as_str().map(str::to_owned))
        .unwrap_or_else(|| ctx.clock().now().to_rfc3339());
    let body = match &overview {
        None => html! { (panel("capacity", "Capacity", false, kit::missing("The inventory"))) },
        Some(o) => html! {
            (capacity(o))
            (alerts(o))
            (rebalance(o, plan.as_ref()))
            (servers(o))
        },
    };
    Ok(Html(kit::page("inventory", "Inventory", &generated, &unavailable, None, body).into_string()))
}

fn capacity(o: &Value) -> Markup {
    let groups = o.pointer("/capacity/groups").and_then(Value::as_array).cloned().unwrap_or_default();
    let scaling = o["scaling"].as_array().cloned().unwrap_or_default();
    let forecast = o.pointer("/forecast/locations").and_then(Value::as_array).cloned().unwrap_or_default();
    // A location's total row (no protocol) carries its scaling and run-out forecast; its protocols' rows follow.
    let rows: Vec<Value> = groups
        .into_iter()
        .map(|mut g| {
            if g["protocol"].is_null() {
                let location = g["location"].clone();
                let of =
                    |list: &[Value]| list.iter().find(|s| s["location"] == location).cloned().unwrap_or(Value::Null);
                g["scaling"] = of(&scaling);
                g["forecast"] = of(&forecast)["forecast"].clone();
            }
            g
        })
        .collect();
    let columns = [
        col("Location", "/location"),
        custom("Protocol", false, |r| html! { (r["protocol"].as_str().unwrap_or("all")) }),
        custom("Band", false, |r| badge(r["band"].as_str().unwrap_or("unknown"))),
        pct("Used", "/utilisation_percent"),
        num("Used slots", "/used"),
        num("Held", "/held"),
        num("Free", "/free"),
        num("Total", "/total"),
        num("Servers up", "/servers_up"),
        col("Runs out (expected)", "/forecast/runs_out_on"),
        col("Runs out (earliest)", "/forecast/runs_out_earliest"),
        custom("Scaling", false, |r| {
            html! {
                @if let Some(action) = r.pointer("/scaling/action").and_then(Value::as_str) {
                    (badge(action)) " " (kit::text(r.pointer("/scaling/reason")))
                }
            }
        }),
    ];
    panel("capacity", "Capacity", false, table("Capacity per location and protocol", &rows, &columns, None))
}

fn alerts(o: &Value) -> Markup {
    let alerts = o["alerts"].as_array().cloned().unwrap_or_default();
    panel(
        "alerts",
        "Capacity alerts",
        false,
        html! {
            @if alerts.is_empty() { p.empty { "Every server is in its normal band." } } @else {
                (table("Servers outside their normal band", &alerts, &[
                    col("Server", "/name"),
                    col("Location", "/location"),
                    custom("Band", false, |r| badge(r["band"].as_str().unwrap_or("unknown"))),
                    pct("Used", "/utilisation_percent"),
                    custom("Since", false, |r| when(r.get("since"))),
                ], None))
            }
        },
    )
}

fn rebalance(o: &Value, plan: Option<&Value>) -> Markup {
    let spread = o["load_balancing"].as_array().cloned().unwrap_or_default();
    panel(
        "rebalance",
        "Rebalancing",
        false,
        html! {
            (table("Load spread per location", &spread, &[
                col("Location", "/location"),
                custom("Balanced", false, |r| badge(if r["balanced"] == true { "balanced" } else { "unbalanced" })),
                pct("Least used", "/min_utilisation_percent"),
                pct("Mean", "/mean_utilisation_percent"),
                pct("Most used", "/max_utilisation_percent"),
                num("Clients to move", "/rebalance_clients"),
            ], None))
            @match plan {
                None => {
                    button type="button" data-view="plan=rebalance" data-test="rebalance-plan" { "Plan a rebalance (dry run)" }
                }
                Some(plan) => {
                    h3 { "Dry run" }
                    @let moves = plan["plan"].as_array().cloned().unwrap_or_default();
                    @if moves.is_empty() {
                        p { "Nothing to move: every location is within its spread." }
                    } @else {
                        p { (kit::figure(plan.get("clients_planned"))) " clients would move:" }
                        (table("Planned migrations", &moves, &[
                            col("Location", "/location"),
                            col("From", "/from"),
                            col("To", "/to"),
                            col("Protocols", "/protocols"),
                            num("Clients", "/clients"),
                            custom("Source draining", false, |r| html! { (kit::text(r.get("source_draining"))) }),
                        ], None))
                    }
                    (action(Action {
                        label: "Execute this rebalance",
                        method: "POST",
                        url: "/admin/inventory/rebalance".into(),
                        body: Some(serde_json::json!({"dry_run": false, "limit": inventory::requests::REBALANCE_MAX_LIMIT})),
                        confirm: Some(format!("Execute the rebalance: {} clients move?", kit::figure(plan.get("clients_planned")))),
                        done: "Rebalance started".into(),
                        test: "rebalance-execute",
                        about: None,
                    }))
                }
            }
        },
    )
}

fn servers(o: &Value) -> Markup {
    let servers = o.pointer("/capacity/servers").and_then(Value::as_array).cloned().unwrap_or_default();
    panel(
        "servers",
        "Servers",
        false,
        table(
            "Servers",
            &servers,
            &[
                col("Server", "/name"),
                col("Location", "/location"),
                custom("Status", false, |r| badge(r["status"].as_str().unwrap_or("unknown"))),
                custom("Band", false, |r| badge(r["band"].as_str().unwrap_or("unknown"))),
                pct("Used", "/utilisation_percent"),
                num("Used slots", "/used"),
                num("Free", "/free"),
                col("Protocols", "/protocols"),
                custom("Change status", false, |r| {
                    let id = kit::text(r.get("server_id"));
                    let name = kit::text(r.get("name"));
                    let current = r["status"].as_str().unwrap_or_default();
                    let field = format!("status-{id}");
                    html! {
                        form.inline data-action=(format!("/admin/inventory/servers/{}/status", kit::segment(&id))) data-method="POST"
                            data-confirm=(format!("Change the status of {name}?")) data-done=(format!("Status of {name} changed")) {
                            label.sr-only for=(field) { "New status of " (name) }
                            select id=(field) name="status" {
                                @for s in ["up", "paused", "draining", "down"] { option value=(s) selected[s == current] { (s) } }
                            }
                            button type="submit" { "Apply" }
                        }
                    }
                }),
            ],
            Some(("data-server-id", "/server_id")),
        ),
    )
}
