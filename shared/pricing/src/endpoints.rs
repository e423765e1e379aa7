//! The pricing context's HTTP endpoints: the customer's `POST /api/pricing/quote`, and the admin's
//! `GET /admin/pricing`, `POST /admin/pricing/rules`, `GET /admin/pricing/rules/versions`,
//! `POST /admin/pricing/rules/rollback`, and the promotions: `GET` and `POST /admin/pricing/promotions`,
//! `POST /admin/pricing/promotions/{code}/end`.

use crate::admin::{self, Rollback, RulesError, RulesUpdate};
use crate::promotions::{self, NewPromotion, PromotionError};
use crate::{PricingEnv, QuoteError, QuoteRequest};
use api::{ApiError, ApiRequest, FieldErrors, Identity, page};
use proxy_core::domain::CustomerId;
use serde::Serialize;
use store::PricingRuleStore;

/// `PRICING_QUOTE`: what the caller's cart would cost now, with every factor.
pub async fn quote(ctx: &impl PricingEnv, request: ApiRequest, caller: Identity) -> Result<impl Serialize, ApiError> {
    let cart =
        QuoteRequest::parse(request.body_text()?).and_then(QuoteRequest::into_valid).map_err(ApiError::validation)?;
    crate::quote_for(ctx, &CustomerId(caller.subject), cart).await.map_err(|error| match error {
        QuoteError::Invalid(errors) => ApiError::validation(errors),
        QuoteError::UnknownCustomer(_) => ApiError::profile_missing(),
        QuoteError::Port(error) => error.into(),
    })
}

/// `PRICING_GET`: the active rules and every plan's price.
pub async fn overview(
    ctx: &impl PricingEnv,
    _request: ApiRequest,
    _caller: Identity,
) -> Result<impl Serialize, ApiError> {
    Ok(admin::cached_overview(ctx).await?)
}

/// `PRICING_RULES_UPDATE`: publishes a new version of the rules, based on the one the admin reviewed.
pub async fn update_rules(
    ctx: &impl PricingEnv,
    request: ApiRequest,
    caller: Identity,
) -> Result<impl Serialize, ApiError> {
    let update = RulesUpdate::parse(request.body_text()?).map_err(ApiError::validation)?;
    admin::publish(ctx, &caller.subject, update.rules, update.note, Some(update.base_version))
        .await
        .map_err(rules_error)
}

/// `PRICING_RULES_VERSIONS`: the published versions, newest first.
pub async fn versions(
    ctx: &impl PricingEnv,
    request: ApiRequest,
    _caller: Identity,
) -> Result<impl Serialize, ApiError> {
    let page = page::parse(request.query(), &PricingRuleStore::version_list_scope())?;
    Ok(admin::versions(ctx, page.limit, page.after).await?)
}

/// `PRICING_RULES_ROLLBACK`: publishes an earlier version again.
pub async fn rollback(
    ctx: &impl PricingEnv,
    request: ApiRequest,
    caller: Identity,
) -> Result<impl Serialize, ApiError> {
    let rollback = Rollback::parse(request.body_text()?).map_err(ApiError::validation)?;
    admin::rollback(ctx, &caller.subject, rollback).await.map_err(rules_error)
}

/// `PRICING_PROMOTIONS`: every promotion with its live use.
pub async fn promotions(
    ctx: &impl PricingEnv,
    _request: ApiRequest,
    _caller: Identity,
) -> Result<impl Serialize, ApiError> {
    Ok(promotions::list(ctx).await?)
}

/// `PRICING_PROMOTION_CREATE`: a new promotion, recorded with the admin who created it.
pub async fn create_promotion(
    ctx: &impl PricingEnv,
    request: ApiRequest,
    caller: Identity,
) -> Result<impl Serialize, ApiError> {
    let new = NewPromotion::parse(request.body_text()?).map_err(ApiError::validation)?;
    promotions::create(ctx, &caller.subject, new).await.map_err(promotion_error)
}

/// `PRICING_PROMOTION_END`: ends the promotion `{code}` now.
pub async fn end_promotion(
    ctx: &impl PricingEnv,
    request: ApiRequest,
    caller: Identity,
) -> Result<impl Serialize, ApiError> {
    let code = request.path_param("code")?;
    promotions::end(ctx, &caller.subject, &code).await.map_err(promotion_error)
}

fn promotion_error(error: PromotionError) -> ApiError {
    match error {
        PromotionError::Invalid(errors) => ApiError::validation(errors),
        PromotionError::Exists(code) => ApiError::new(
            409,
            "promotion_exists",
            format!("A promotion with the code {code} exists; choose another code."),
        ),
        PromotionError::Unknown(_) => ApiError::not_found("Promotion"),
        PromotionError::Port(error) => error.into(),
    }
}

fn rules_error(error: RulesError) -> ApiError {
    match error {
        RulesError::Stale { based_on, active } => ApiError::new(
            409,
            "rules_changed",
            if based_on > active {
                format!(
                    "Version {based_on} was never published: version {active} is the latest; base the change on it."
                )
            } else {
                format!("Version {active} was published after version {based_on}; review it and try again.")
            },
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
