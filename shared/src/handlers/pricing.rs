//! Pricing: the customer's `POST /api/pricing/quote`, and the admin's `GET /admin/pricing`,
//! `POST /admin/pricing/rules`, `GET /admin/pricing/rules/versions` and `POST /admin/pricing/rules/rollback`.

use crate::app::AppContext;
use crate::domain::CustomerId;
use crate::http::request::{body_text, query};
use crate::http::{ApiError, FieldErrors, page, respond};
use crate::routes;
use crate::services::pricing::admin::{self, Rollback, RulesError, RulesUpdate};
use crate::services::pricing::{self, QuoteError, QuoteRequest};
use crate::store::PricingRuleStore;
use lambda_http::{Body, Request, Response};

pub async fn quote(ctx: &AppContext, request: Request) -> Response<Body> {
    respond(ctx, request, &routes::PRICING_QUOTE, |request, identity| async move {
        let cart = QuoteRequest::parse(body_text(&request)?)
            .and_then(QuoteRequest::into_valid)
            .map_err(ApiError::validation)?;
        pricing::quote_for(ctx, &CustomerId(identity.subject), cart).await.map_err(|error| match error {
            QuoteError::Invalid(errors) => ApiError::validation(errors),
            QuoteError::UnknownCustomer(_) => ApiError::not_found("Customer"),
            QuoteError::Port(error) => error.into(),
        })
    })
    .await
}

pub async fn overview(ctx: &AppContext, request: Request) -> Response<Body> {
    respond(ctx, request, &routes::PRICING_GET, |_, _| async move { Ok(admin::overview(ctx).await?) }).await
}

fn rules_error(error: RulesError) -> ApiError {
    match error {
        RulesError::Stale { based_on, active } => ApiError::new(
            409,
            "rules_changed",
            format!("Version {active} was published after version {based_on}; review it and try again."),
        )
        .with_field("active_version", active),
        RulesError::UnknownVersion(version) => {
            let mut errors = FieldErrors::new();
            errors.insert("version".into(), vec![format!("{version} is not a published version")]);
            ApiError::validation(errors)
        }
        RulesError::NoLongerValid(errors) => ApiError::validation(
            errors.into_iter().map(|(field, messages)| (format!("rules.{field}"), messages)).collect(),
        ),
        RulesError::Port(error) => error.into(),
    }
}

pub async fn update_rules(ctx: &AppContext, request: Request) -> Response<Body> {
    respond(ctx, request, &routes::PRICING_RULES_UPDATE, |request, identity| async move {
        let update = RulesUpdate::parse(body_text(&request)?).map_err(ApiError::validation)?;
        admin::publish(ctx, &identity.subject, update.rules, update.note, Some(update.base_version))
            .await
            .map_err(rules_error)
    })
    .await
}

pub async fn versions(ctx: &AppContext, request: Request) -> Response<Body> {
    respond(ctx, request, &routes::PRICING_RULES_VERSIONS, |request, _| async move {
        let page = page::parse(&query(&request), &PricingRuleStore::version_list_scope())?;
        Ok(admin::versions(ctx, page.limit, page.after).await?)
    })
    .await
}

pub async fn rollback(ctx: &AppContext, request: Request) -> Response<Body> {
    respond(ctx, request, &routes::PRICING_RULES_ROLLBACK, |request, identity| async move {
        let rollback = Rollback::parse(body_text(&request)?).map_err(ApiError::validation)?;
        admin::rollback(ctx, &identity.subject, rollback).await.map_err(rules_error)
    })
    .await
}
