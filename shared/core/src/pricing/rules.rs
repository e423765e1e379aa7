//! The pricing rules: every threshold, multiplier, tier, cycle discount and cap the engine uses, as one
//! document. It is stored versioned (by the store's `PricingRuleStore`) and validated on write; `Default`
//! reproduces the original's numbers (`../shared/reference/original-1000proxy.md`, section Pricing).

use crate::domain::LoyaltyTier;
use crate::validation::{FieldErrors, add_error};
use chrono::Weekday;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PricingRules {
    pub dynamic: DynamicRules,
    pub loyalty: LoyaltyRules,
    pub bulk: BulkRules,
    pub subscription: SubscriptionRules,
    /// The total discount — loyalty or new-customer offer, subscription, bulk, volume bonus and the coupon — never
    /// takes more than this percentage of the subtotal. The automatic discounts are capped first; a coupon fits in
    /// the room they leave (100 lets coupons stack without limit).
    pub discount_cap_percent: Decimal,
}

/// Dynamic pricing: the base price times factors computed from data, combined additively
/// (`base * (1 + sum(m - 1))`, the original's way, so no factor amplifies another) and kept within
/// `[floor, ceiling] * base`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct DynamicRules {
    /// When false every plan sells at its base price (the factors are still reported).
    pub enabled: bool,
    pub floor: Decimal,
    pub ceiling: Decimal,
    pub demand: DemandRule,
    pub capacity: CapacityRule,
    pub time: TimeRule,
    pub season: Vec<SeasonWindow>,
    pub geography: GeographyRule,
    pub competition: CompetitionRule,
}

/// `clamp(1 + (recent / weekly_average - 1) * sensitivity, min, max)`: the last 7 days' orders of a plan
/// against its average week over the last 30 days (`orders_30d * 7 / 30`; the original divided by 4, which
/// made a steady seller look 7 % slack).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct DemandRule {
    pub sensitivity: Decimal,
    pub min: Decimal,
    pub max: Decimal,
}

/// Utilisation of the plan's server ((active + held) / max clients): the first `high` band whose threshold it
/// exceeds, else the first `low` band it is below, else 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CapacityRule {
    pub high: Vec<AboveBand>,
    pub low: Vec<BelowBand>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AboveBand {
    pub above: Decimal,
    pub multiplier: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct BelowBand {
    pub below: Decimal,
    pub multiplier: Decimal,
}

/// Time of day and week, in `time_zone`: the first window containing the moment of the quote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct TimeRule {
    /// IANA zone the windows are written in.
    #[cfg_attr(feature = "openapi", schemars(extend("enum" = crate::time_zone::names())))]
    pub time_zone: String,
    pub windows: Vec<TimeWindow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct TimeWindow {
    /// `mon`..`sun`; empty means every day.
    pub days: Vec<String>,
    /// From this hour (inclusive) to `to_hour` (exclusive), 0..=24.
    pub from_hour: u32,
    pub to_hour: u32,
    pub multiplier: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SeasonWindow {
    /// Months 1..=12.
    pub months: Vec<u32>,
    pub multiplier: Decimal,
}

/// Location premiums by the server's country, and an adjustment when the customer's country (when known) is
/// the server's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct GeographyRule {
    /// ISO 3166-1 alpha-2 code of the server's country -> multiplier.
    pub server_countries: BTreeMap<String, Decimal>,
    pub same_country: Decimal,
}

/// Moves the price toward the market: `clamp(1 + (reference / base - 1) * weight, min, max)` with the
/// reference price configured for the plan's type (and, more specifically, its server's location).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CompetitionRule {
    pub weight: Decimal,
    pub min: Decimal,
    pub max: Decimal,
    pub reference_prices: Vec<ReferencePrice>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ReferencePrice {
    pub plan_type: String,
    /// A server location; absent (or null), it applies to every location without a more specific reference.
    #[serde(default)]
    pub location: Option<String>,
    /// The market's price for the plan's period.
    pub price: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct LoyaltyRules {
    /// From the lowest paid threshold to the highest; a customer is in the last tier whose `min_paid` their
    /// paid total reaches, and `basic` below the first.
    pub tiers: Vec<LoyaltyTierRule>,
    pub new_customer: NewCustomerOffer,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct LoyaltyTierRule {
    pub tier: LoyaltyTier,
    pub min_paid: Decimal,
    pub discount_percent: Decimal,
    pub benefits: Vec<String>,
}

/// A customer who has paid nothing yet and whose account is at most `max_account_age_days` old gets this
/// instead of a tier discount (never both).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NewCustomerOffer {
    pub discount_percent: Decimal,
    pub max_account_age_days: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct BulkRules {
    /// Ascending; the highest tier reached by quantity *or* order value applies.
    pub tiers: Vec<BulkTier>,
    /// Ascending by quantity; the highest reached adds its percentage.
    pub volume_bonus: Vec<VolumeBonus>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct BulkTier {
    pub min_quantity: u32,
    pub min_value: Decimal,
    pub percent: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct VolumeBonus {
    pub min_quantity: u32,
    pub percent: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SubscriptionRules {
    /// Ascending by months; a duration gets the discount of the longest cycle it covers.
    pub cycles: Vec<BillingCycle>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct BillingCycle {
    /// monthly, quarterly, semi_annual, annual, ...
    pub name: String,
    pub months: u32,
    pub percent: Decimal,
}

fn d(text: &str) -> Decimal {
    Decimal::from_str(text).expect("a literal decimal")
}

impl Default for PricingRules {
    fn default() -> Self {
        let weekdays = ["mon", "tue", "wed", "thu", "fri"].map(String::from).to_vec();
        PricingRules {
            dynamic: DynamicRules {
                enabled: true,
                floor: d("0.5"),
                // The original had no ceiling; its factors together reach at most 1.85.
                ceiling: d("2"),
                demand: DemandRule { sensitivity: d("0.2"), min: d("0.8"), max: d("1.3") },
                capacity: CapacityRule {
                    high: vec![
                        AboveBand { above: d("0.9"), multiplier: d("1.2") },
                        AboveBand { above: d("0.7"), multiplier: d("1.1") },
                    ],
                    low: vec![BelowBand { below: d("0.3"), multiplier: d("0.9") }],
                },
                time: TimeRule {
                    time_zone: "UTC".into(),
                    windows: vec![
                        TimeWindow { days: weekdays, from_hour: 9, to_hour: 18, multiplier: d("1.1") },
                        TimeWindow { days: vec![], from_hour: 2, to_hour: 7, multiplier: d("0.95") },
                    ],
                },
                season: vec![
                    SeasonWindow { months: vec![11, 12], multiplier: d("1.1") },
                    SeasonWindow { months: vec![6, 7, 8], multiplier: d("1.05") },
                    SeasonWindow { months: vec![9], multiplier: d("1.08") },
                ],
                geography: GeographyRule { server_countries: BTreeMap::new(), same_country: Decimal::ONE },
                competition: CompetitionRule {
                    weight: d("0.5"),
                    min: d("0.9"),
                    max: d("1.15"),
                    reference_prices: vec![],
                },
            },
            loyalty: LoyaltyRules {
                tiers: vec![
                    LoyaltyTierRule {
                        tier: LoyaltyTier::Bronze,
                        min_paid: d("100"),
                        discount_percent: Decimal::ZERO,
                        benefits: vec!["Order history export".into()],
                    },
                    LoyaltyTierRule {
                        tier: LoyaltyTier::Silver,
                        min_paid: d("500"),
                        discount_percent: d("5"),
                        benefits: vec!["5 % off every order".into(), "Priority support".into()],
                    },
                    LoyaltyTierRule {
                        tier: LoyaltyTier::Gold,
                        min_paid: d("1000"),
                        discount_percent: d("10"),
                        benefits: vec![
                            "10 % off every order".into(),
                            "Priority support".into(),
                            "Early access to new locations".into(),
                        ],
                    },
                ],
                new_customer: NewCustomerOffer { discount_percent: d("15"), max_account_age_days: 30 },
            },
            bulk: BulkRules {
                tiers: vec![
                    BulkTier { min_quantity: 10, min_value: d("250"), percent: d("5") },
                    BulkTier { min_quantity: 20, min_value: d("500"), percent: d("10") },
                    BulkTier { min_quantity: 50, min_value: d("1000"), percent: d("15") },
                ],
                volume_bonus: vec![
                    VolumeBonus { min_quantity: 50, percent: d("2.5") },
                    VolumeBonus { min_quantity: 100, percent: d("5") },
                ],
            },
            subscription: SubscriptionRules {
                cycles: vec![
                    BillingCycle { name: "monthly".into(), months: 1, percent: Decimal::ZERO },
                    BillingCycle { name: "quarterly".into(), months: 3, percent: d("10") },
                    BillingCycle { name: "semi_annual".into(), months: 6, percent: d("15") },
                    BillingCycle { name: "annual".into(), months: 12, percent: d("20") },
                ],
            },
            discount_cap_percent: d("30"),
        }
    }
}

/// The largest multiplier a rule may set: a factor of 5 is a misprint, not a price.
const MAX_MULTIPLIER: u32 = 5;

pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

pub fn weekday_name(day: Weekday) -> &'static str {
    WEEKDAYS[day.num_days_from_monday() as usize]
}

/// Collects field errors under dotted paths (`bulk.tiers.1.percent`).
struct Check {
    errors: FieldErrors,
}

impl Check {
    fn fail(&mut self, field: impl AsRef<str>, message: impl Into<String>) {
        add_error(&mut self.errors, field.as_ref(), message);
    }

    fn multiplier(&mut self, field: impl AsRef<str>, value: Decimal) {
        if value <= Decimal::ZERO || value > Decimal::from(MAX_MULTIPLIER) {
            self.fail(field, format!("must be above 0 and at most {MAX_MULTIPLIER}"));
        }
    }

    fn percent(&mut self, field: impl AsRef<str>, value: Decimal) {
        if value < Decimal::ZERO || value > Decimal::ONE_HUNDRED {
            self.fail(field, "must be between 0 and 100");
        }
    }

    fn share(&mut self, field: impl AsRef<str>, value: Decimal) {
        if value < Decimal::ZERO || value > Decimal::ONE {
            self.fail(field, "must be between 0 and 1");
        }
    }

    fn non_negative(&mut self, field: impl AsRef<str>, value: Decimal) {
        if value < Decimal::ZERO {
            self.fail(field, "may not be negative");
        }
    }

    fn bounds(&mut self, at: &str, min: Decimal, max: Decimal) {
        self.multiplier(format!("{at}.min"), min);
        self.multiplier(format!("{at}.max"), max);
        if min > Decimal::ONE {
            self.fail(format!("{at}.min"), "must be at most 1");
        }
        if max < Decimal::ONE {
            self.fail(format!("{at}.max"), "must be at least 1");
        }
    }
}

impl PricingRules {
    /// Every rule that does not hold, by field; empty when the document can be activated.
    pub fn validate(&self) -> FieldErrors {
        let mut c = Check { errors: FieldErrors::new() };
        self.dynamic.check(&mut c);
        self.loyalty.check(&mut c);
        self.bulk.check(&mut c);
        self.subscription.check(&mut c);
        c.percent("discount_cap_percent", self.discount_cap_percent);
        c.errors
    }

    /// The tier `paid` reaches.
    pub fn tier_for(&self, paid: Decimal) -> Option<&LoyaltyTierRule> {
        self.loyalty.tiers.iter().rev().find(|t| paid >= t.min_paid)
    }
}

impl DynamicRules {
    fn check(&self, c: &mut Check) {
        c.multiplier("dynamic.floor", self.floor);
        c.multiplier("dynamic.ceiling", self.ceiling);
        if self.floor > Decimal::ONE {
            c.fail("dynamic.floor", "must be at most 1 (a share of the base price)");
        }
        if self.ceiling < Decimal::ONE {
            c.fail("dynamic.ceiling", "must be at least 1 (a multiple of the base price)");
        }
        c.non_negative("dynamic.demand.sensitivity", self.demand.sensitivity);
        c.bounds("dynamic.demand", self.demand.min, self.demand.max);
        for (i, band) in self.capacity.high.iter().enumerate() {
            c.share(format!("dynamic.capacity.high.{i}.above"), band.above);
            c.multiplier(format!("dynamic.capacity.high.{i}.multiplier"), band.multiplier);
            if i > 0 && band.above >= self.capacity.high[i - 1].above {
                c.fail(format!("dynamic.capacity.high.{i}.above"), "must be below the band before it");
            }
        }
        for (i, band) in self.capacity.low.iter().enumerate() {
            c.share(format!("dynamic.capacity.low.{i}.below"), band.below);
            c.multiplier(format!("dynamic.capacity.low.{i}.multiplier"), band.multiplier);
            if i > 0 && band.below <= self.capacity.low[i - 1].below {
                c.fail(format!("dynamic.capacity.low.{i}.below"), "must be above the band before it");
            }
        }
        if let (Some(lowest_high), Some(highest_low)) = (self.capacity.high.last(), self.capacity.low.last())
            && highest_low.below > lowest_high.above
        {
            c.fail("dynamic.capacity.low", "may not overlap the high bands");
        }
        if !crate::time_zone::is_time_zone(&self.time.time_zone) {
            c.fail("dynamic.time.time_zone", "must be an IANA time zone such as Europe/Paris");
        }
        for (i, window) in self.time.windows.iter().enumerate() {
            let at = format!("dynamic.time.windows.{i}");
            for day in &window.days {
                if !WEEKDAYS.contains(&day.as_str()) {
                    c.fail(format!("{at}.days"), format!("must be among: {}", WEEKDAYS.join(", ")));
                }
            }
            if window.to_hour > 24 || window.from_hour >= window.to_hour {
                c.fail(format!("{at}.to_hour"), "must be after from_hour and at most 24");
            }
            c.multiplier(format!("{at}.multiplier"), window.multiplier);
        }
        let mut seen_months = Vec::new();
        for (i, window) in self.season.iter().enumerate() {
            for month in &window.months {
                if !(1..=12).contains(month) {
                    c.fail(format!("dynamic.season.{i}.months"), "must be months 1 to 12");
                } else if seen_months.contains(month) {
                    c.fail(format!("dynamic.season.{i}.months"), format!("month {month} is in an earlier season"));
                }
                seen_months.push(*month);
            }
            c.multiplier(format!("dynamic.season.{i}.multiplier"), window.multiplier);
        }
        for (country, multiplier) in &self.geography.server_countries {
            let at = format!("dynamic.geography.server_countries.{country}");
            if country.len() != 2 || !country.chars().all(|ch| ch.is_ascii_uppercase()) {
                c.fail(&at, "must be keyed by an upper-case ISO 3166-1 alpha-2 code");
            }
            c.multiplier(&at, *multiplier);
        }
        c.multiplier("dynamic.geography.same_country", self.geography.same_country);
        c.non_negative("dynamic.competition.weight", self.competition.weight);
        c.bounds("dynamic.competition", self.competition.min, self.competition.max);
        for (i, reference) in self.competition.reference_prices.iter().enumerate() {
            if reference.price <= Decimal::ZERO {
                c.fail(format!("dynamic.competition.reference_prices.{i}.price"), "must be above 0");
            }
            let duplicate = self.competition.reference_prices[..i]
                .iter()
                .any(|r| r.plan_type == reference.plan_type && r.location == reference.location);
            if duplicate {
                c.fail(
                    format!("dynamic.competition.reference_prices.{i}"),
                    "repeats an earlier plan type and location",
                );
            }
        }
    }
}

impl LoyaltyRules {
    fn check(&self, c: &mut Check) {
        for (i, tier) in self.tiers.iter().enumerate() {
            let at = format!("loyalty.tiers.{i}");
            c.percent(format!("{at}.discount_percent"), tier.discount_percent);
            if tier.min_paid <= Decimal::ZERO {
                c.fail(format!("{at}.min_paid"), "must be above 0 (below the first tier is basic)");
            }
            if tier.tier == LoyaltyTier::Basic {
                c.fail(format!("{at}.tier"), "basic is the tier below every threshold and has no rule");
            }
            if let Some(before) = i.checked_sub(1).map(|j| &self.tiers[j]) {
                if tier.tier <= before.tier {
                    c.fail(format!("{at}.tier"), "tiers must go bronze, silver, gold, each at most once");
                }
                if tier.min_paid <= before.min_paid {
                    c.fail(format!("{at}.min_paid"), "must be above the tier before it");
                }
                if tier.discount_percent < before.discount_percent {
                    c.fail(format!("{at}.discount_percent"), "may not be below the tier before it");
                }
            }
        }
        c.percent("loyalty.new_customer.discount_percent", self.new_customer.discount_percent);
    }
}

impl BulkRules {
    fn check(&self, c: &mut Check) {
        for (i, tier) in self.tiers.iter().enumerate() {
            let at = format!("bulk.tiers.{i}");
            c.percent(format!("{at}.percent"), tier.percent);
            c.non_negative(format!("{at}.min_value"), tier.min_value);
            if let Some(before) = i.checked_sub(1).map(|j| &self.tiers[j]) {
                if tier.min_quantity <= before.min_quantity {
                    c.fail(format!("{at}.min_quantity"), "must be above the tier before it");
                }
                if tier.min_value <= before.min_value {
                    c.fail(format!("{at}.min_value"), "must be above the tier before it");
                }
                if tier.percent < before.percent {
                    c.fail(format!("{at}.percent"), "may not be below the tier before it");
                }
            }
        }
        for (i, bonus) in self.volume_bonus.iter().enumerate() {
            let at = format!("bulk.volume_bonus.{i}");
            c.percent(format!("{at}.percent"), bonus.percent);
            if let Some(before) = i.checked_sub(1).map(|j| &self.volume_bonus[j]) {
                if bonus.min_quantity <= before.min_quantity {
                    c.fail(format!("{at}.min_quantity"), "must be above the bonus before it");
                }
                if bonus.percent < before.percent {
                    c.fail(format!("{at}.percent"), "may not be below the bonus before it");
                }
            }
        }
    }
}

impl SubscriptionRules {
    fn check(&self, c: &mut Check) {
        if self.cycles.is_empty() {
            c.fail("subscription.cycles", "needs at least the monthly cycle");
        }
        for (i, cycle) in self.cycles.iter().enumerate() {
            let at = format!("subscription.cycles.{i}");
            if cycle.months == 0 {
                c.fail(format!("{at}.months"), "must be at least 1");
            }
            if cycle.name.trim().is_empty() {
                c.fail(format!("{at}.name"), "is required");
            }
            c.percent(format!("{at}.percent"), cycle.percent);
            if let Some(before) = i.checked_sub(1).map(|j| &self.cycles[j]) {
                if cycle.months <= before.months {
                    c.fail(format!("{at}.months"), "must be longer than the cycle before it");
                }
                if cycle.percent < before.percent {
                    c.fail(format!("{at}.percent"), "may not be below the cycle before it");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_valid() {
        assert_eq!(PricingRules::default().validate(), FieldErrors::new());
    }

    #[test]
    fn a_cap_above_100_percent_and_unordered_tiers_are_refused_by_field() {
        let mut rules = PricingRules { discount_cap_percent: d("100.01"), ..PricingRules::default() };
        rules.bulk.tiers[2].min_quantity = 20;
        rules.loyalty.tiers[1].min_paid = d("50");
        rules.subscription.cycles[0].months = 0;
        rules.dynamic.floor = d("1.2");
        let errors = rules.validate();
        for field in [
            "discount_cap_percent",
            "bulk.tiers.2.min_quantity",
            "loyalty.tiers.1.min_paid",
            "subscription.cycles.0.months",
            "dynamic.floor",
        ] {
            assert!(errors.contains_key(field), "{field} missing from {errors:?}");
        }
        rules = PricingRules { discount_cap_percent: Decimal::ONE_HUNDRED, ..PricingRules::default() };
        assert!(rules.validate().is_empty(), "a cap of exactly 100 % is allowed");
    }

    #[test]
    fn tiers_are_reached_at_their_threshold() {
        let rules = PricingRules::default();
        assert_eq!(rules.tier_for(d("99.99")).map(|t| t.tier), None);
        assert_eq!(rules.tier_for(d("100")).map(|t| t.tier), Some(LoyaltyTier::Bronze));
        assert_eq!(rules.tier_for(d("999.99")).map(|t| t.tier), Some(LoyaltyTier::Silver));
        assert_eq!(rules.tier_for(d("1000")).map(|t| t.tier), Some(LoyaltyTier::Gold));
    }
}
