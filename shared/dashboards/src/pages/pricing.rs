//! `GET /admin/pages/pricing` (`PAGE_PRICING`): the rules in force, every plan's price with the factors that
//! made it, the rules' versions with rollback, and the promotions with their live use, a form to create one
//! and a button to end one. The figures are `GET /admin/pricing`'s, `GET /admin/pricing/rules/versions`'s and
//! `GET /admin/pricing/promotions`'s; the forms post to the same API.

use super::kit::{self, Action, action, badge, col, custom, num, panel, table, when};
use api::{ApiError, ApiRequest, Html, Identity};
use maud::{Markup, html};
use serde_json::Value;

pub async fn endpoint(
    ctx: &impl pricing::PricingEnv,
    _request: ApiRequest,
    caller: Identity,
) -> Result<Html, ApiError> {
    let (overview, versions, promotions) = tokio::join!(
        pricing::endpoints::overview(ctx, ApiRequest::default(), caller.clone()),
        pricing::endpoints::versions(ctx, ApiRequest::default(), caller.clone()),
        pricing::endpoints::promotions(ctx, ApiRequest::default(), caller),
    );
    let mut unavailable = Vec::new();
    let overview = kit::part("pricing", overview, &mut unavailable);
    let versions = kit::part("versions", versions, &mut unavailable);
    let promotions = kit::part("promotions", promotions, &mut unavailable);
    let generated = overview
        .as_ref()
        .and_then(|o| o["computed_at"].as_str().map(str::to_owned))
        .unwrap_or_else(|| ctx.clock().now().to_rfc3339());
    let body = html! {
        (rules(overview.as_ref()))
        (plans(overview.as_ref()))
        (versions_panel(versions.as_ref()))
        (promotions_panel(promotions.as_ref()))
    };
    Ok(Html(kit::page("pricing", "Pricing", &generated, &unavailable, None, body).into_string()))
}

fn rules(overview: Option<&Value>) -> Markup {
    panel(
        "rules",
        "Rules in force",
        false,
        html! {
            @match overview {
                None => (kit::missing("The rules")),
                Some(o) => {
                    @let active = &o["active"];
                    p { "Version " (kit::text(active.get("version").or(Some(&Value::from(0))))) " by " (kit::text(active.get("author")))
                        " — " (kit::text(active.get("note"))) }
                    dl.facts {
                        dt { "Dynamic pricing" } dd { (kit::text(o.get("dynamic_pricing_enabled"))) }
                        dt { "Discount cap" } dd { (kit::percent(o.pointer("/bulk/discount_cap_percent"))) }
                    }
                    h3 { "Bulk tiers" }
                    (table("Bulk discount tiers", o.pointer("/bulk/tiers").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default(), &[
                        num("From quantity", "/min_quantity"),
                        num("Or from value", "/min_value"),
                        kit::pct("Discount", "/percent"),
                    ], None))
                    h3 { "Subscription cycles" }
                    (table("Subscription cycles", o["subscription_cycles"].as_array().map(Vec::as_slice).unwrap_or_default(), &[
                        col("Cycle", "/name"),
                        num("Months", "/months"),
                        kit::pct("Discount", "/percent"),
                    ], None))
                }
            }
        },
    )
}

fn plans(overview: Option<&Value>) -> Markup {
    let plans = overview.and_then(|o| o["plans"].as_array()).cloned().unwrap_or_default();
    panel(
        "plans",
        "Plans and their prices",
        false,
        html! {
            @if overview.is_none() { (kit::missing("The plans")) } @else {
                (table("Every plan's price with its factors", &plans, &[
                    col("Plan", "/name"),
                    col("Location", "/location"),
                    col("Type", "/plan_type"),
                    num("Base", "/base_price"),
                    num("Price", "/price"),
                    custom("Factors", false, |r| html! {
                        ul.figures {
                            @for f in r["factors"].as_array().map(Vec::as_slice).unwrap_or_default() {
                                @if f["multiplier"].as_str().and_then(|m| m.parse::<f64>().ok()) != Some(1.0) { li { (kit::text(f.get("name"))) " ×" (kit::text(f.get("multiplier"))) ": " (kit::text(f.get("reason"))) } }
                            }
                        }
                    }),
                    col("Bounded by", "/bounded_by"),
                ], None))
            }
        },
    )
}

fn versions_panel(versions: Option<&Value>) -> Markup {
    panel(
        "versions",
        "Rule versions",
        false,
        html! {
            @match versions {
                None => (kit::missing("The versions")),
                Some(v) => {
                    @let active = v["active_version"].clone();
                    p { "Active version: " (kit::text(Some(&active))) " (0 is the built-in defaults)." }
                    @let rows = v["versions"].as_array().cloned().unwrap_or_default();
                    @if rows.is_empty() { p.empty { "No saved version: the built-in defaults are in force." } } @else {
                        (table("Rule versions", &rows, &[
                            num("Version", "/version"),
                            col("Author", "/author"),
                            col("Note", "/note"),
                            custom("Saved", false, |r| when(r.get("created_at"))),
                            custom("", false, |r| {
                                let version = r["version"].clone();
                                if version == active { return html! { (badge("in_force")) }; }
                                action(Action {
                                    label: "Roll back to this",
                                    method: "POST",
                                    url: "/admin/pricing/rules/rollback".into(),
                                    body: Some(serde_json::json!({"version": version, "note": "Rolled back from the pricing page"})),
                                    confirm: Some(format!("Put version {version} back in force?")),
                                    done: format!("Version {version} is in force"),
                                    test: "rollback",
                                    about: None,
                                })
                            }),
                        ], None))
                    }
                    @if active != 0 {
                        (action(Action {
                            label: "Back to the built-in defaults",
                            method: "POST",
                            url: "/admin/pricing/rules/rollback".into(),
                            body: Some(serde_json::json!({"version": 0, "note": "Back to the built-in defaults from the pricing page"})),
                            confirm: Some("Put the built-in defaults back in force?".into()),
                            done: "The built-in defaults are in force".into(),
                            test: "rollback-defaults",
                            about: None,
                        }))
                    }
                }
            }
        },
    )
}

fn promotions_panel(promotions: Option<&Value>) -> Markup {
    panel(
        "promotions",
        "Promotions",
        false,
        html! {
            @match promotions {
                None => (kit::missing("The promotions")),
                Some(p) => {
                    p { (kit::figure(p.get("in_force"))) " in force." }
                    @let rows = p["promotions"].as_array().cloned().unwrap_or_default();
                    (table("Promotions", &rows, &[
                        col("Code", "/code"),
                        custom("State", false, |r| badge(r["state"].as_str().unwrap_or("unknown"))),
                        custom("Discount", false, |r| html! {
                            @if r["kind"] == "percent" { (kit::text(r.get("value"))) " %" } @else { (kit::figure(r.get("value"))) " off" }
                        }),
                        num("Minimum order", "/min_order"),
                        num("Used", "/used_count"),
                        num("Limit", "/usage_limit"),
                        custom("Once per customer", false, |r| html! { (kit::text(r.get("once_per_customer"))) }),
                        custom("From", false, |r| when(r.get("starts_at"))),
                        custom("Until", false, |r| when(r.get("ends_at"))),
                        custom("Applies to", false, |r| html! {
                            @let plans = kit::text(r.get("plans"));
                            @let places = kit::text(r.get("locations"));
                            @if plans == "—" && places == "—" { "every plan" } @else { (plans) " " (places) }
                        }),
                        custom("", false, |r| {
                            let code = kit::text(r.get("code"));
                            // An expired or used-up promotion takes no order: nothing to end.
                        if r["state"] == "expired" || r["state"] == "used_up" { return html! {}; }
                            action(Action {
                                label: "End",
                                method: "POST",
                                url: format!("/admin/pricing/promotions/{}/end", kit::segment(&code)),
                                body: None,
                                confirm: Some(format!("End {code} now? Checkouts stop taking it at once.")),
                                done: format!("{code} ended"),
                                test: "end-promotion",
                                about: None,
                            })
                        }),
                    ], Some(("data-code", "/code"))))
                    (new_promotion())
                }
            }
        },
    )
}

/// The form of `POST /admin/pricing/promotions`; the API validates it (its 422 names each field, which the
/// shell shows beside it).
fn new_promotion() -> Markup {
    // A labelled input with the slot its 422 message goes into; `typed` tells the shell how to send its value.
    let field = |name: &str, label: &str, kind: &str, typed: Option<&str>| {
        html! {
            div.field {
                label for=(format!("promo-{name}")) { (label) }
                input id=(format!("promo-{name}")) name=(name) type=(kind) data-type=[typed] min=[(kind == "number").then_some("1")] {}
                span.error data-error-for=(name) {}
            }
        }
    };
    html! {
        details.create {
            summary { "Create a promotion" }
            form data-action="/admin/pricing/promotions" data-method="POST" data-done="Promotion created" data-test="create-promotion" {
                (field("code", "Code", "text", None))
                div.field {
                    label for="promo-kind" { "Kind" }
                    select id="promo-kind" name="kind" { option value="percent" { "Percent off" } option value="fixed" { "Fixed amount off" } }
                    span.error data-error-for="kind" {}
                }
                (field("value", "Value", "text", None))
                (field("min_order", "Minimum order", "text", None))
                (field("usage_limit", "Usage limit (empty: none)", "number", Some("integer")))
                div.field.check {
                    input id="promo-once" name="once_per_customer" type="checkbox" {}
                    label for="promo-once" { "Once per customer" }
                }
                (field("starts_at", "Starts (your time; empty: now)", "datetime-local", Some("datetime")))
                (field("ends_at", "Ends (your time; empty: never)", "datetime-local", Some("datetime")))
                (field("plans", "Plan ids (comma separated; empty: every plan)", "text", Some("list")))
                (field("locations", "Locations (comma separated; empty: everywhere)", "text", Some("list")))
                button type="submit" { "Create" }
            }
        }
    }
}
