//! Unit tests of the pricing engine: every factor and rule, at the edges of its tiers, bands and windows.

use super::discounts::{ZeroMonths, bulk_discount, cycle_for, subscription_price};
use super::dynamic::{
    Bound, PlanMarket, capacity_factor, competition_factor, demand_factor, dynamic_price, geography_factor,
    season_factor, time_factor,
};
use super::personal::{Buyer, NextTier, personalisation, personalised_price};
use super::promo::{CouponUse, coupon_refusal, promotional_price};
use super::quote::{Adjustment, AdjustmentKind, CartLine, Quote, QuoteInput, QuoteRefusal, quote};
use super::rules::{
    AboveBand, BelowBand, BillingCycle, CapacityRule, DynamicRules, PricingRules, ReferencePrice, TimeWindow,
};
use super::{Demand, cents, percent_of};
use crate::domain::{Coupon, DiscountKind, LoyaltyTier, Plan, PlanId, Server, ServerId, ServerStatus};
use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use std::collections::BTreeSet;
use std::str::FromStr;

// ---------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).expect("a decimal literal")
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).expect("an RFC 3339 time").with_timezone(&Utc)
}

/// Saturday 2025-10-18, noon UTC: in no time window and no season of the default rules.
fn neutral_now() -> DateTime<Utc> {
    at("2025-10-18T12:00:00Z")
}

/// A datacenter plan on `server-1` at `price` for one client and one period.
fn plan(price: &str) -> Plan {
    plan_with("plan-1", price, "datacenter")
}

fn plan_with(id: &str, price: &str, plan_type: &str) -> Plan {
    Plan {
        id: PlanId::from(id),
        server_id: ServerId::from("server-1"),
        name: format!("Plan {id}"),
        price: dec(price),
        days: 30,
        protocol: "vless".into(),
        plan_type: plan_type.into(),
        data_limit_gb: None,
        is_active: true,
        is_popular: false,
        inbound_id: 1,
        created_at: at("2025-01-01T00:00:00Z"),
    }
}

/// A server in Frankfurt, DE with `max_clients` slots of which `active + held` are taken.
fn server(max_clients: u32, active: u32, held: u32) -> Server {
    Server {
        id: ServerId::from("server-1"),
        name: "fra-1".into(),
        location: "Frankfurt".into(),
        country: "DE".into(),
        status: ServerStatus::Up,
        max_clients,
        active_clients: active,
        held_clients: held,
        free_slots: max_clients - active - held,
        panel_host: "panel.example.test".into(),
        panel_port: 2053,
        created_at: at("2025-01-01T00:00:00Z"),
    }
}

fn server_in(country: &str, location: &str) -> Server {
    Server { country: country.into(), location: location.into(), ..server(100, 50, 0) }
}

/// Half full: the capacity factor is 1 under the default rules.
fn neutral_server() -> Server {
    server(100, 50, 0)
}

/// An active coupon without limits, window or minimum order.
fn coupon(code: &str, kind: DiscountKind, value: &str) -> Coupon {
    Coupon { ..Coupon::new(code, kind, dec(value)) }
}

fn usage(coupon: &Coupon) -> CouponUse<'_> {
    CouponUse { coupon, used_by_customer: false }
}

/// A buyer who has paid `paid` and whose account is `age_days` old at `neutral_now()`.
fn buyer(paid: &str, age_days: i64) -> Buyer<'static> {
    Buyer { total_paid: dec(paid), created_at: neutral_now() - Duration::days(age_days), country: None }
}

/// Paid nothing, account a year old: basic tier, no new-customer offer.
fn basic_buyer() -> Buyer<'static> {
    buyer("0", 365)
}

fn market<'a>(plan: &'a Plan, server: &'a Server) -> PlanMarket<'a> {
    PlanMarket { plan, server: Some(server), demand: Demand::default() }
}

/// A one-line quote at `neutral_now()` on a half-full server.
fn quote_one(
    rules: &PricingRules,
    plan: &Plan,
    buyer: Buyer<'_>,
    quantity: u32,
    months: u32,
    coupon: Option<CouponUse<'_>>,
) -> Result<Quote, QuoteRefusal> {
    let server = neutral_server();
    quote(&QuoteInput {
        rules,
        rules_version: 7,
        buyer,
        lines: vec![CartLine { market: market(plan, &server), quantity }],
        months,
        coupon,
        now: neutral_now(),
    })
}

fn kinds(quote: &Quote) -> Vec<AdjustmentKind> {
    quote.adjustments.iter().map(|a| a.kind).collect()
}

fn adjustment(quote: &Quote, kind: AdjustmentKind) -> &Adjustment {
    quote.adjustments.iter().find(|a| a.kind == kind).unwrap_or_else(|| panic!("no {kind:?} in {quote:#?}"))
}

/// The lines plus the adjustments are the total, and the discount is what the adjustments took.
fn assert_adds_up(quote: &Quote) {
    let lines: Decimal = quote.lines.iter().map(|l| l.total_amount).sum();
    let adjustments: Decimal = quote.adjustments.iter().map(|a| a.amount).sum();
    assert_eq!(quote.subtotal, lines);
    assert_eq!(lines + adjustments, quote.total);
    assert_eq!(quote.discount, quote.subtotal - quote.total);
    assert!(quote.total >= Decimal::ZERO);
}

/// Rules whose only non-neutral factor is one every-day, all-day time window at `multiplier`.
fn rules_with_time_multiplier(multiplier: &str) -> PricingRules {
    let mut rules = PricingRules::default();
    rules.dynamic.time.windows =
        vec![TimeWindow { days: vec![], from_hour: 0, to_hour: 24, multiplier: dec(multiplier) }];
    rules
}

fn dynamic_default() -> DynamicRules {
    PricingRules::default().dynamic
}

// ---------------------------------------------------------------------------------------------------------
// Demand
// ---------------------------------------------------------------------------------------------------------

fn demand(last_7_days: u64, last_30_days: u64) -> Demand {
    Demand { last_7_days, last_30_days }
}

#[test]
fn no_orders_in_30_days_is_neutral_demand() {
    let factor = demand_factor(&dynamic_default(), demand(0, 0));
    assert_eq!(factor.name, "demand");
    assert_eq!(factor.multiplier, Decimal::ONE);
    assert_eq!(factor.reason, "no orders in the last 30 days");
}

#[test]
fn an_average_week_is_neutral_demand() {
    // 30 orders in 30 days: 7 in an average week.
    let factor = demand_factor(&dynamic_default(), demand(7, 30));
    assert_eq!(factor.multiplier, Decimal::ONE);
    assert_eq!(factor.reason, "7 orders in the last 7 days against 7 in an average week of the last 30");
}

#[test]
fn demand_moves_the_price_by_its_sensitivity() {
    let rules = dynamic_default();
    // Twice the average week: 1 + (2 - 1) * 0.2.
    assert_eq!(demand_factor(&rules, demand(14, 30)).multiplier, dec("1.2"));
    // 3 of an average 7: 1 + (3/7 - 1) * 0.2 = 0.885714.. -> 4 places.
    assert_eq!(demand_factor(&rules, demand(3, 30)).multiplier, dec("0.8857"));
    // Nothing this week: 1 - 0.2, exactly the minimum.
    assert_eq!(demand_factor(&rules, demand(0, 30)).multiplier, dec("0.8"));
}

#[test]
fn demand_is_clamped_to_its_min_and_max() {
    let mut rules = dynamic_default();
    assert_eq!((rules.demand.min, rules.demand.max), (dec("0.8"), dec("1.3")));
    // Every order of the month this week: 1 + (30/7 - 1) * 0.2 = 1.657.. -> the max.
    assert_eq!(demand_factor(&rules, demand(30, 30)).multiplier, dec("1.3"));
    rules.demand.sensitivity = dec("0.5");
    // An average week of 35 (150 in 30 days); 56 this week: 1 + (1.6 - 1) * 0.5 = 1.3, exactly the max.
    assert_eq!(demand_factor(&rules, demand(56, 150)).multiplier, dec("1.3"));
    // 55: 1 + (55/35 - 1) * 0.5 = 1.2857.., just inside.
    assert_eq!(demand_factor(&rules, demand(55, 150)).multiplier, dec("1.2857"));
    // 57: 1.3142.. -> the max.
    assert_eq!(demand_factor(&rules, demand(57, 150)).multiplier, dec("1.3"));
    // Nothing this week: 1 - 0.5 -> the min.
    assert_eq!(demand_factor(&rules, demand(0, 30)).multiplier, dec("0.8"));
    // 21 of an average 35: 1 + (0.6 - 1) * 0.5 = 0.8, exactly the min; 22: 0.8142.., just inside.
    assert_eq!(demand_factor(&rules, demand(21, 150)).multiplier, dec("0.8"));
    assert_eq!(demand_factor(&rules, demand(22, 150)).multiplier, dec("0.8143"));
}

// ---------------------------------------------------------------------------------------------------------
// Capacity
// ---------------------------------------------------------------------------------------------------------

#[test]
fn zero_capacity_is_neutral_with_its_reason() {
    let factor = capacity_factor(&dynamic_default(), Some(&server(0, 0, 0)));
    assert_eq!(factor.name, "capacity");
    assert_eq!(factor.multiplier, Decimal::ONE);
    assert_eq!(factor.reason, "the server has no capacity set");
}

#[test]
fn an_unknown_server_is_neutral_capacity() {
    let factor = capacity_factor(&dynamic_default(), None);
    assert_eq!(factor.multiplier, Decimal::ONE);
    assert_eq!(factor.reason, "the plan's server is unknown");
}

#[test]
fn capacity_bands_are_strict_at_their_edges() {
    let rules = dynamic_default();
    let multiplier = |active, held| capacity_factor(&rules, Some(&server(1000, active, held))).multiplier;
    // Above 0.9: 1.2; exactly 0.9 is not above it, but is above 0.7.
    assert_eq!(multiplier(901, 0), dec("1.2"));
    assert_eq!(multiplier(900, 0), dec("1.1"));
    assert_eq!(multiplier(1000, 0), dec("1.2"));
    // Above 0.7: 1.1; exactly 0.7 is in no band.
    assert_eq!(multiplier(701, 0), dec("1.1"));
    assert_eq!(multiplier(700, 0), Decimal::ONE);
    assert_eq!(multiplier(500, 0), Decimal::ONE);
    // Below 0.3: 0.9; exactly 0.3 is not below it.
    assert_eq!(multiplier(300, 0), Decimal::ONE);
    assert_eq!(multiplier(299, 0), dec("0.9"));
    assert_eq!(multiplier(0, 0), dec("0.9"));
}

#[test]
fn held_clients_count_as_used_capacity() {
    let rules = dynamic_default();
    let factor = capacity_factor(&rules, Some(&server(1000, 800, 101)));
    assert_eq!(factor.multiplier, dec("1.2"));
    assert_eq!(factor.reason, "901 of 1000 slots in use, above 90 %");
    let factor = capacity_factor(&rules, Some(&server(1000, 0, 299)));
    assert_eq!(factor.multiplier, dec("0.9"));
    assert_eq!(factor.reason, "299 of 1000 slots in use, below 30 %");
    assert_eq!(capacity_factor(&rules, Some(&server(10, 1, 2))).multiplier, Decimal::ONE);
    assert_eq!(capacity_factor(&rules, Some(&server(10, 1, 2))).reason, "3 of 10 slots in use");
}

#[test]
fn the_first_low_band_below_which_the_server_is_applies() {
    let mut rules = dynamic_default();
    rules.capacity.low = vec![
        BelowBand { below: dec("0.1"), multiplier: dec("0.8") },
        BelowBand { below: dec("0.3"), multiplier: dec("0.9") },
    ];
    assert_eq!(dynamic_errors(&rules), Vec::<String>::new());
    assert_eq!(capacity_factor(&rules, Some(&server(100, 9, 0))).multiplier, dec("0.8"));
    assert_eq!(capacity_factor(&rules, Some(&server(100, 10, 0))).multiplier, dec("0.9"));
    assert_eq!(capacity_factor(&rules, Some(&server(100, 30, 0))).multiplier, Decimal::ONE);
}

/// The fields with an error when `dynamic` replaces the default dynamic rules.
fn dynamic_errors(dynamic: &DynamicRules) -> Vec<String> {
    PricingRules { dynamic: dynamic.clone(), ..PricingRules::default() }.validate().into_keys().collect()
}

// ---------------------------------------------------------------------------------------------------------
// Time
// ---------------------------------------------------------------------------------------------------------

#[test]
fn weekday_business_hours_are_from_9_inclusive_to_18_exclusive() {
    let rules = dynamic_default();
    let multiplier = |time: &str| time_factor(&rules, at(time)).multiplier;
    // Monday 2025-10-20.
    assert_eq!(multiplier("2025-10-20T08:59:59Z"), Decimal::ONE);
    assert_eq!(multiplier("2025-10-20T09:00:00Z"), dec("1.1"));
    assert_eq!(multiplier("2025-10-20T17:59:59Z"), dec("1.1"));
    assert_eq!(multiplier("2025-10-20T18:00:00Z"), Decimal::ONE);
    // Friday 2025-10-24.
    assert_eq!(multiplier("2025-10-24T12:00:00Z"), dec("1.1"));
    let factor = time_factor(&rules, at("2025-10-20T09:00:00Z"));
    assert_eq!(factor.name, "time");
    assert_eq!(factor.reason, "mon 09h UTC is within 09h-18h on mon, tue, wed, thu, fri");
}

#[test]
fn weekends_are_outside_business_hours_but_inside_every_day_windows() {
    let rules = dynamic_default();
    let multiplier = |time: &str| time_factor(&rules, at(time)).multiplier;
    // Saturday 2025-10-18 and Sunday 2025-10-19 at business hours.
    assert_eq!(multiplier("2025-10-18T09:00:00Z"), Decimal::ONE);
    assert_eq!(multiplier("2025-10-19T12:00:00Z"), Decimal::ONE);
    assert_eq!(time_factor(&rules, at("2025-10-18T12:00:00Z")).reason, "sat 12h UTC is in no priced window");
    // The night window (02h-07h) is every day, weekends included.
    assert_eq!(multiplier("2025-10-18T01:59:59Z"), Decimal::ONE);
    assert_eq!(multiplier("2025-10-18T02:00:00Z"), dec("0.95"));
    assert_eq!(multiplier("2025-10-19T06:59:59Z"), dec("0.95"));
    assert_eq!(multiplier("2025-10-19T07:00:00Z"), Decimal::ONE);
    assert_eq!(multiplier("2025-10-20T03:00:00Z"), dec("0.95"));
    assert_eq!(time_factor(&rules, at("2025-10-19T03:00:00Z")).reason, "sun 03h UTC is within 02h-07h");
}

#[test]
fn time_windows_are_read_in_the_rules_time_zone() {
    let mut rules = dynamic_default();
    rules.time.time_zone = "Europe/Paris".into();
    let multiplier = |time: &str| time_factor(&rules, at(time)).multiplier;
    // Paris is UTC+2 on 2025-10-20: 07:00Z is 09:00 there, 16:00Z is 18:00.
    assert_eq!(multiplier("2025-10-20T06:59:59Z"), Decimal::ONE);
    assert_eq!(multiplier("2025-10-20T07:00:00Z"), dec("1.1"));
    assert_eq!(multiplier("2025-10-20T15:59:59Z"), dec("1.1"));
    assert_eq!(multiplier("2025-10-20T16:00:00Z"), Decimal::ONE);
    // After the end of summer time (2025-10-26) Paris is UTC+1.
    assert_eq!(multiplier("2025-10-27T07:00:00Z"), Decimal::ONE);
    assert_eq!(multiplier("2025-10-27T08:00:00Z"), dec("1.1"));
    assert_eq!(
        time_factor(&rules, at("2025-10-20T07:00:00Z")).reason,
        "mon 09h Europe/Paris is within 09h-18h on mon, tue, wed, thu, fri"
    );

    // The day of the week is the zone's too: Sunday 21:00Z is Monday 10:00 in Auckland (UTC+13).
    rules.time.time_zone = "Pacific/Auckland".into();
    let multiplier = |time: &str| time_factor(&rules, at(time)).multiplier;
    assert_eq!(multiplier("2025-10-19T21:00:00Z"), dec("1.1"));
    // And Friday 10:00Z is Friday 23:00 there.
    assert_eq!(multiplier("2025-10-24T10:00:00Z"), Decimal::ONE);
    // Friday 21:00Z is Saturday 10:00 there: the weekend.
    assert_eq!(multiplier("2025-10-24T21:00:00Z"), Decimal::ONE);
    assert_eq!(
        time_factor(&rules, at("2025-10-24T21:00:00Z")).reason,
        "sat 10h Pacific/Auckland is in no priced window"
    );
}

#[test]
fn the_first_matching_time_window_applies() {
    let mut rules = dynamic_default();
    rules
        .time
        .windows
        .insert(0, TimeWindow { days: vec!["mon".into()], from_hour: 0, to_hour: 24, multiplier: dec("1.3") });
    assert_eq!(time_factor(&rules, at("2025-10-20T10:00:00Z")).multiplier, dec("1.3"));
    assert_eq!(time_factor(&rules, at("2025-10-21T10:00:00Z")).multiplier, dec("1.1"));
    // A window to 24 includes 23:59.
    assert_eq!(time_factor(&rules, at("2025-10-20T23:59:59Z")).multiplier, dec("1.3"));
}

// ---------------------------------------------------------------------------------------------------------
// Season
// ---------------------------------------------------------------------------------------------------------

#[test]
fn seasons_follow_the_months() {
    let rules = dynamic_default();
    let multiplier = |time: &str| season_factor(&rules, at(time)).multiplier;
    assert_eq!(multiplier("2025-10-31T23:59:59Z"), Decimal::ONE);
    assert_eq!(multiplier("2025-11-01T00:00:00Z"), dec("1.1"));
    assert_eq!(multiplier("2025-12-31T23:59:59Z"), dec("1.1"));
    assert_eq!(multiplier("2026-01-01T00:00:00Z"), Decimal::ONE);
    assert_eq!(multiplier("2025-05-31T23:59:59Z"), Decimal::ONE);
    assert_eq!(multiplier("2025-06-01T00:00:00Z"), dec("1.05"));
    assert_eq!(multiplier("2025-07-15T00:00:00Z"), dec("1.05"));
    assert_eq!(multiplier("2025-08-31T23:59:59Z"), dec("1.05"));
    assert_eq!(multiplier("2025-09-01T00:00:00Z"), dec("1.08"));
    assert_eq!(multiplier("2025-09-30T23:59:59Z"), dec("1.08"));
    let factor = season_factor(&rules, at("2025-11-01T00:00:00Z"));
    assert_eq!((factor.name.as_str(), factor.reason.as_str()), ("season", "month 11 is in season"));
    assert_eq!(season_factor(&rules, at("2025-03-01T00:00:00Z")).reason, "month 3 has no seasonal price");
}

#[test]
fn seasons_follow_the_calendar_of_the_rules_time_zone() {
    let mut rules = dynamic_default();
    rules.time.time_zone = "Europe/Paris".into();
    // 23:30 UTC on 31 October is already 1 November in Paris (UTC+1 once summer time has ended).
    let factor = season_factor(&rules, at("2025-10-31T23:30:00Z"));
    assert_eq!((factor.multiplier, factor.reason.as_str()), (dec("1.1"), "month 11 is in season"));
    rules.time.time_zone = "UTC".into();
    assert_eq!(season_factor(&rules, at("2025-10-31T23:30:00Z")).multiplier, Decimal::ONE);
}

// ---------------------------------------------------------------------------------------------------------
// Geography
// ---------------------------------------------------------------------------------------------------------

fn geography_rules() -> DynamicRules {
    let mut rules = dynamic_default();
    rules.geography.server_countries.insert("DE".into(), dec("1.2"));
    rules.geography.server_countries.insert("US".into(), dec("0.9"));
    rules.geography.same_country = dec("0.95");
    rules
}

#[test]
fn servers_are_priced_by_their_country() {
    let rules = geography_rules();
    let de = server_in("DE", "Frankfurt");
    let factor = geography_factor(&rules, Some(&de), None);
    assert_eq!(factor.name, "geography");
    assert_eq!(factor.multiplier, dec("1.2"));
    assert_eq!(factor.reason, "servers in DE are priced at 1.2; the customer's country is not known");
    assert_eq!(geography_factor(&rules, Some(&server_in("US", "Dallas")), None).multiplier, dec("0.9"));
    // The server's code is compared upper-case.
    assert_eq!(geography_factor(&rules, Some(&server_in("de", "Berlin")), None).multiplier, dec("1.2"));
    // A country without a price is neutral.
    let factor = geography_factor(&rules, Some(&server_in("FR", "Paris")), Some("US"));
    assert_eq!(factor.multiplier, Decimal::ONE);
    assert_eq!(factor.reason, "no location price for FR; the customer is in US");
    // No server, no location.
    let factor = geography_factor(&rules, None, Some("DE"));
    assert_eq!((factor.multiplier, factor.reason.as_str()), (Decimal::ONE, "the plan's server is unknown"));
}

#[test]
fn a_customer_in_the_servers_country_gets_the_same_country_multiplier() {
    let rules = geography_rules();
    let de = server_in("DE", "Frankfurt");
    // 1.2 * 0.95, whatever the case of the customer's code.
    assert_eq!(geography_factor(&rules, Some(&de), Some("DE")).multiplier, dec("1.14"));
    let factor = geography_factor(&rules, Some(&de), Some("de"));
    assert_eq!(factor.multiplier, dec("1.14"));
    assert!(factor.reason.ends_with("the customer is in the server's country"), "{}", factor.reason);
    // Elsewhere: the location price only.
    assert_eq!(geography_factor(&rules, Some(&de), Some("US")).multiplier, dec("1.2"));
    // Same country without a location price: the same-country multiplier alone.
    assert_eq!(geography_factor(&rules, Some(&server_in("FR", "Paris")), Some("FR")).multiplier, dec("0.95"));
}

#[test]
fn default_geography_is_neutral() {
    let rules = dynamic_default();
    let de = server_in("DE", "Frankfurt");
    assert_eq!(geography_factor(&rules, Some(&de), Some("DE")).multiplier, Decimal::ONE);
    assert_eq!(geography_factor(&rules, Some(&de), None).multiplier, Decimal::ONE);
}

// ---------------------------------------------------------------------------------------------------------
// Competition
// ---------------------------------------------------------------------------------------------------------

fn reference(plan_type: &str, location: Option<&str>, price: &str) -> ReferencePrice {
    ReferencePrice { plan_type: plan_type.into(), location: location.map(String::from), price: dec(price) }
}

#[test]
fn no_reference_price_is_neutral_competition() {
    let rules = dynamic_default();
    let factor = competition_factor(&rules, &plan("10"), Some(&neutral_server()));
    assert_eq!(factor.name, "competition");
    assert_eq!(factor.multiplier, Decimal::ONE);
    assert_eq!(factor.reason, "no reference price for datacenter plans");
    // References for other plan types do not apply.
    let mut rules = rules;
    rules.competition.reference_prices = vec![reference("residential", None, "20")];
    assert_eq!(competition_factor(&rules, &plan("10"), Some(&neutral_server())).multiplier, Decimal::ONE);
}

#[test]
fn the_reference_for_the_plan_type_and_location_is_preferred() {
    let mut rules = dynamic_default();
    // The generic reference first: order does not matter.
    rules.competition.reference_prices = vec![
        reference("datacenter", None, "11"),
        reference("datacenter", Some("Frankfurt"), "9"),
        reference("datacenter", Some("Paris"), "10.5"),
    ];
    let frankfurt = server_in("DE", "Frankfurt");
    // 1 + (9/10 - 1) * 0.5.
    let factor = competition_factor(&rules, &plan("10"), Some(&frankfurt));
    assert_eq!(factor.multiplier, dec("0.95"));
    assert_eq!(factor.reason, "the market price of datacenter plans in Frankfurt is 9");
    // Elsewhere the plan-type reference: 1 + (11/10 - 1) * 0.5.
    let factor = competition_factor(&rules, &plan("10"), Some(&server_in("NL", "Amsterdam")));
    assert_eq!(factor.multiplier, dec("1.05"));
    assert_eq!(factor.reason, "the market price of datacenter plans is 11");
    // Without a server, the plan-type reference too.
    assert_eq!(competition_factor(&rules, &plan("10"), None).multiplier, dec("1.05"));
    // The location reference listed first works the same.
    rules.competition.reference_prices.reverse();
    assert_eq!(competition_factor(&rules, &plan("10"), Some(&frankfurt)).multiplier, dec("0.95"));
    assert_eq!(competition_factor(&rules, &plan("10"), Some(&server_in("NL", "Amsterdam"))).multiplier, dec("1.05"));
}

#[test]
fn a_location_reference_elsewhere_without_a_plan_type_reference_is_neutral() {
    let mut rules = dynamic_default();
    rules.competition.reference_prices = vec![reference("datacenter", Some("Paris"), "20")];
    assert_eq!(competition_factor(&rules, &plan("10"), Some(&server_in("DE", "Frankfurt"))).multiplier, Decimal::ONE);
    assert_eq!(competition_factor(&rules, &plan("10"), None).multiplier, Decimal::ONE);
    assert_eq!(competition_factor(&rules, &plan("10"), Some(&server_in("FR", "Paris"))).multiplier, dec("1.15"));
}

#[test]
fn competition_is_clamped_to_its_min_and_max() {
    let mut rules = dynamic_default();
    rules.competition.reference_prices = vec![reference("datacenter", None, "100")];
    // 1 + (10 - 1) * 0.5 = 5.5 -> max.
    assert_eq!(competition_factor(&rules, &plan("10"), None).multiplier, dec("1.15"));
    rules.competition.reference_prices = vec![reference("datacenter", None, "1")];
    // 1 + (0.1 - 1) * 0.5 = 0.55 -> min.
    assert_eq!(competition_factor(&rules, &plan("10"), None).multiplier, dec("0.9"));
    // Exactly at the edges: 1 + (13/10 - 1) * 0.5 = 1.15 and 1 + (8/10 - 1) * 0.5 = 0.9.
    rules.competition.reference_prices = vec![reference("datacenter", None, "13")];
    assert_eq!(competition_factor(&rules, &plan("10"), None).multiplier, dec("1.15"));
    rules.competition.reference_prices = vec![reference("datacenter", None, "8")];
    assert_eq!(competition_factor(&rules, &plan("10"), None).multiplier, dec("0.9"));
}

#[test]
fn a_free_plan_has_no_competition_factor() {
    let mut rules = dynamic_default();
    rules.competition.reference_prices = vec![reference("datacenter", None, "10")];
    let factor = competition_factor(&rules, &plan("0"), None);
    assert_eq!((factor.multiplier, factor.reason.as_str()), (Decimal::ONE, "the plan is free"));
}

// ---------------------------------------------------------------------------------------------------------
// The dynamic price
// ---------------------------------------------------------------------------------------------------------

#[test]
fn factors_are_combined_additively() {
    let rules = dynamic_default();
    let p = plan("10");
    let busy = server(1000, 901, 0);
    // Monday 10:00 in November: capacity 1.2, time 1.1, season 1.1.
    let price = dynamic_price(&rules, market(&p, &busy), None, 1, at("2025-11-03T10:00:00Z"));
    let names: Vec<&str> = price.factors.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["demand", "capacity", "time", "season", "geography", "competition"]);
    // 10 * (1 + 0.2 + 0.1 + 0.1), not 10 * 1.2 * 1.1 * 1.1 = 14.52.
    assert_eq!(price.raw_price, dec("14"));
    assert_eq!(price.unit_price, dec("14.00"));
    assert_eq!(price.base_price, dec("10"));
    assert_eq!(price.bounded_by, None);
}

#[test]
fn a_neutral_moment_sells_at_the_base_price() {
    let rules = dynamic_default();
    let p = plan("12.34");
    let price = dynamic_price(&rules, market(&p, &neutral_server()), None, 3, neutral_now());
    assert!(price.factors.iter().all(|f| f.multiplier == Decimal::ONE), "{:?}", price.factors);
    assert_eq!((price.unit_price, price.amount, price.quantity), (dec("12.34"), dec("37.02"), 3));
}

#[test]
fn the_unit_price_is_rounded_to_cents_half_away_from_zero() {
    let rules = dynamic_default();
    let p = plan("0.55");
    // Monday 10:00 in October: time 1.1 only; 0.605 -> 0.61.
    let price = dynamic_price(&rules, market(&p, &neutral_server()), None, 2, at("2025-10-20T10:00:00Z"));
    assert_eq!(price.raw_price, dec("0.605"));
    assert_eq!(price.unit_price, dec("0.61"));
    assert_eq!(price.amount, dec("1.22"));
}

#[test]
fn the_floor_holds_and_rounds_up() {
    let mut rules = rules_with_time_multiplier("0.2").dynamic;
    let p = plan("0.55");
    // 0.55 * 0.2 = 0.11 is below the floor 0.55 * 0.5 = 0.275, which rounds up to 0.28.
    let price = dynamic_price(&rules, market(&p, &neutral_server()), None, 1, neutral_now());
    assert_eq!(price.raw_price, dec("0.11"));
    assert_eq!(price.unit_price, dec("0.28"));
    assert_eq!(price.bounded_by, Some(Bound::Floor));
    // Exactly at the floor: not bounded.
    rules.time.windows[0].multiplier = dec("0.5");
    let p = plan("10");
    let price = dynamic_price(&rules, market(&p, &neutral_server()), None, 1, neutral_now());
    assert_eq!((price.unit_price, price.bounded_by), (dec("5"), None));
    // Just below it: bounded.
    rules.time.windows[0].multiplier = dec("0.4999");
    let price = dynamic_price(&rules, market(&p, &neutral_server()), None, 1, neutral_now());
    assert_eq!((price.unit_price, price.bounded_by), (dec("5"), Some(Bound::Floor)));
}

#[test]
fn the_ceiling_holds_and_rounds_down() {
    let mut rules = rules_with_time_multiplier("3").dynamic;
    rules.ceiling = dec("1.5");
    let p = plan("0.55");
    // 0.55 * 3 = 1.65 is above the ceiling 0.55 * 1.5 = 0.825, which rounds down to 0.82.
    let price = dynamic_price(&rules, market(&p, &neutral_server()), None, 1, neutral_now());
    assert_eq!(price.raw_price, dec("1.65"));
    assert_eq!(price.unit_price, dec("0.82"));
    assert_eq!(price.bounded_by, Some(Bound::Ceiling));
    // Exactly at the ceiling: not bounded.
    rules.time.windows[0].multiplier = dec("1.5");
    let p = plan("10");
    let price = dynamic_price(&rules, market(&p, &neutral_server()), None, 1, neutral_now());
    assert_eq!((price.unit_price, price.bounded_by), (dec("15"), None));
    // Just above it: bounded.
    rules.time.windows[0].multiplier = dec("1.5001");
    let price = dynamic_price(&rules, market(&p, &neutral_server()), None, 1, neutral_now());
    assert_eq!((price.unit_price, price.bounded_by), (dec("15"), Some(Bound::Ceiling)));
    // Exactly on a ceiling that is not a whole cent (0.55 x 1.5 = 0.825): rounding would cross it, so the price
    // is held at 0.82 and says the ceiling decided it.
    rules.time.windows[0].multiplier = dec("1.5");
    let p = plan("0.55");
    let price = dynamic_price(&rules, market(&p, &neutral_server()), None, 1, neutral_now());
    assert_eq!(
        (price.raw_price, price.unit_price, price.bounded_by),
        (dec("0.825"), dec("0.82"), Some(Bound::Ceiling))
    );
}

#[test]
fn disabled_dynamic_pricing_sells_at_the_base_price_and_still_reports_factors() {
    let mut rules = dynamic_default();
    rules.enabled = false;
    let p = plan("10");
    let busy = server(1000, 950, 0);
    let price = dynamic_price(&rules, market(&p, &busy), None, 4, at("2025-11-03T10:00:00Z"));
    assert_eq!(price.unit_price, dec("10"));
    assert_eq!(price.raw_price, dec("10"));
    assert_eq!(price.amount, dec("40"));
    assert_eq!(price.bounded_by, None);
    let capacity = price.factors.iter().find(|f| f.name == "capacity").expect("capacity is reported");
    assert_eq!(capacity.multiplier, dec("1.2"));
}

#[test]
fn the_unit_price_does_not_depend_on_quantity() {
    let rules = dynamic_default();
    let p = plan("7.77");
    let busy = server(1000, 901, 0);
    let now = at("2025-11-03T10:00:00Z");
    let one = dynamic_price(&rules, market(&p, &busy), None, 1, now);
    let many = dynamic_price(&rules, market(&p, &busy), None, 100, now);
    assert_eq!(one.unit_price, many.unit_price);
    assert_eq!(many.amount, many.unit_price * Decimal::from(100));
}

// ---------------------------------------------------------------------------------------------------------
// Loyalty and the new-customer offer
// ---------------------------------------------------------------------------------------------------------

#[test]
fn loyalty_tiers_start_exactly_at_their_threshold() {
    let rules = PricingRules::default();
    let now = neutral_now();
    let tier = |paid: &str| {
        let p = personalisation(&rules, &buyer(paid, 365), now);
        (p.tier, p.discount_percent)
    };
    assert_eq!(tier("0"), (LoyaltyTier::Basic, Decimal::ZERO));
    assert_eq!(tier("99.99"), (LoyaltyTier::Basic, Decimal::ZERO));
    assert_eq!(tier("100"), (LoyaltyTier::Bronze, Decimal::ZERO));
    assert_eq!(tier("499.99"), (LoyaltyTier::Bronze, Decimal::ZERO));
    assert_eq!(tier("500"), (LoyaltyTier::Silver, dec("5")));
    assert_eq!(tier("999.99"), (LoyaltyTier::Silver, dec("5")));
    assert_eq!(tier("1000"), (LoyaltyTier::Gold, dec("10")));
    assert_eq!(tier("25000"), (LoyaltyTier::Gold, dec("10")));
}

#[test]
fn the_next_tier_says_how_much_more_is_needed() {
    let rules = PricingRules::default();
    let next = |paid: &str| personalisation(&rules, &buyer(paid, 365), neutral_now()).next_tier;
    let tier =
        |tier, min_paid: &str, needed: &str| Some(NextTier { tier, min_paid: dec(min_paid), needed: dec(needed) });
    assert_eq!(next("0"), tier(LoyaltyTier::Bronze, "100", "100"));
    assert_eq!(next("99.99"), tier(LoyaltyTier::Bronze, "100", "0.01"));
    assert_eq!(next("100"), tier(LoyaltyTier::Silver, "500", "400"));
    assert_eq!(next("999.99"), tier(LoyaltyTier::Gold, "1000", "0.01"));
    assert_eq!(next("1000"), None);
}

#[test]
fn a_tier_brings_its_benefits_and_reason() {
    let rules = PricingRules::default();
    let p = personalisation(&rules, &buyer("1200", 365), neutral_now());
    assert_eq!(p.benefits.len(), 3);
    assert_eq!(p.reason, "gold tier: 1200 paid, from 1000");
    assert!(!p.new_customer);
    let p = personalisation(&rules, &buyer("50", 365), neutral_now());
    assert_eq!(p.benefits, Vec::<String>::new());
    assert_eq!(p.reason, "basic tier: 50 paid");
}

#[test]
fn a_new_customer_gets_the_offer_instead_of_a_tier() {
    let rules = PricingRules::default();
    let p = personalisation(&rules, &buyer("0", 5), neutral_now());
    assert!(p.new_customer);
    assert_eq!((p.tier, p.discount_percent), (LoyaltyTier::Basic, dec("15")));
    assert_eq!(p.reason, "new customer: first order within 30 days");
    // Having paid anything, the tier applies, never the offer, even on a young account.
    let p = personalisation(&rules, &buyer("0.01", 5), neutral_now());
    assert!(!p.new_customer);
    assert_eq!(p.discount_percent, Decimal::ZERO);
    let p = personalisation(&rules, &buyer("1000", 5), neutral_now());
    assert!(!p.new_customer);
    assert_eq!((p.tier, p.discount_percent), (LoyaltyTier::Gold, dec("10")));
}

#[test]
fn the_new_customer_offer_ends_with_max_account_age_days() {
    let rules = PricingRules::default();
    assert_eq!(rules.loyalty.new_customer.max_account_age_days, 30);
    let offer = |age: Duration| {
        let buyer = Buyer { total_paid: Decimal::ZERO, created_at: neutral_now() - age, country: None };
        personalisation(&rules, &buyer, neutral_now()).new_customer
    };
    assert!(offer(Duration::zero()));
    assert!(offer(Duration::days(30)));
    assert!(!offer(Duration::days(31)));
    assert!(!offer(Duration::days(365)));
}

#[test]
fn a_zero_percent_offer_is_no_offer() {
    let mut rules = PricingRules::default();
    rules.loyalty.new_customer.discount_percent = Decimal::ZERO;
    let p = personalisation(&rules, &buyer("0", 1), neutral_now());
    assert!(!p.new_customer);
    assert_eq!(p.reason, "basic tier: 0 paid");
}

#[test]
fn the_personalised_price_takes_the_discount_in_cents() {
    let rules = PricingRules::default();
    // 10 % of 19.99 = 1.999 -> 2.00.
    assert_eq!(personalised_price(&rules, &buyer("1000", 365), dec("19.99"), neutral_now()), dec("17.99"));
    // New customer: 15 % of 10 = 1.5.
    assert_eq!(personalised_price(&rules, &buyer("0", 1), dec("10"), neutral_now()), dec("8.5"));
    assert_eq!(personalised_price(&rules, &buyer("200", 365), dec("10"), neutral_now()), dec("10"));
}

// ---------------------------------------------------------------------------------------------------------
// Bulk
// ---------------------------------------------------------------------------------------------------------

#[test]
fn bulk_tiers_are_reached_by_quantity_at_min_quantity() {
    let rules = PricingRules::default();
    let tier = |quantity| bulk_discount(&rules, quantity, dec("1")).tier_percent;
    assert_eq!(tier(9), Decimal::ZERO);
    assert_eq!(tier(10), dec("5"));
    assert_eq!(tier(19), dec("5"));
    assert_eq!(tier(20), dec("10"));
    assert_eq!(tier(49), dec("10"));
    assert_eq!(tier(50), dec("15"));
}

#[test]
fn bulk_tiers_are_reached_by_value_at_min_value() {
    let rules = PricingRules::default();
    let tier = |value: &str| bulk_discount(&rules, 1, dec(value)).tier_percent;
    assert_eq!(tier("249.99"), Decimal::ZERO);
    assert_eq!(tier("250"), dec("5"));
    assert_eq!(tier("499.99"), dec("5"));
    assert_eq!(tier("500"), dec("10"));
    assert_eq!(tier("999.99"), dec("10"));
    assert_eq!(tier("1000"), dec("15"));
    // Quantity or value, whichever reaches higher.
    assert_eq!(bulk_discount(&rules, 20, dec("250")).tier_percent, dec("10"));
    assert_eq!(bulk_discount(&rules, 10, dec("1000")).tier_percent, dec("15"));
    let bulk = bulk_discount(&rules, 9, dec("249.99"));
    assert_eq!(bulk.reason, "9 clients worth 249.99: below every bulk tier");
    let bulk = bulk_discount(&rules, 10, dec("20"));
    assert_eq!(bulk.reason, "10 clients worth 20: reaches 10 clients or 250 in value");
}

#[test]
fn the_volume_bonus_starts_at_its_min_quantity() {
    let rules = PricingRules::default();
    let bonus = |quantity| bulk_discount(&rules, quantity, dec("1")).volume_bonus_percent;
    assert_eq!(bonus(49), Decimal::ZERO);
    assert_eq!(bonus(50), dec("2.5"));
    assert_eq!(bonus(99), dec("2.5"));
    assert_eq!(bonus(100), dec("5"));
    // Value alone brings no volume bonus.
    assert_eq!(bulk_discount(&rules, 1, dec("100000")).volume_bonus_percent, Decimal::ZERO);
    let bulk = bulk_discount(&rules, 100, dec("1"));
    assert_eq!((bulk.tier_percent, bulk.percent, bulk.capped), (dec("15"), dec("20"), false));
    assert!(bulk.reason.ends_with("; volume bonus from 100 clients"), "{}", bulk.reason);
}

#[test]
fn the_bulk_percentage_is_capped() {
    // 15 + 2.5 at 50 clients: exactly at the cap is not capped.
    let mut rules = PricingRules { discount_cap_percent: dec("17.5"), ..PricingRules::default() };
    let bulk = bulk_discount(&rules, 50, dec("1"));
    assert_eq!((bulk.percent, bulk.capped), (dec("17.5"), false));
    // Just under it: capped.
    rules.discount_cap_percent = dec("17.49");
    let bulk = bulk_discount(&rules, 50, dec("1"));
    assert_eq!((bulk.percent, bulk.capped), (dec("17.49"), true));
    assert_eq!((bulk.tier_percent, bulk.volume_bonus_percent), (dec("15"), dec("2.5")));
}

// ---------------------------------------------------------------------------------------------------------
// Subscription
// ---------------------------------------------------------------------------------------------------------

#[test]
fn a_duration_gets_the_longest_cycle_it_covers() {
    let rules = PricingRules::default();
    let cycle = |months| cycle_for(&rules, months).map(|c| (c.name.clone(), c.percent));
    assert_eq!(cycle(0), None);
    assert_eq!(cycle(1), Some(("monthly".into(), Decimal::ZERO)));
    assert_eq!(cycle(2), Some(("monthly".into(), Decimal::ZERO)));
    assert_eq!(cycle(3), Some(("quarterly".into(), dec("10"))));
    assert_eq!(cycle(5), Some(("quarterly".into(), dec("10"))));
    assert_eq!(cycle(6), Some(("semi_annual".into(), dec("15"))));
    assert_eq!(cycle(11), Some(("semi_annual".into(), dec("15"))));
    assert_eq!(cycle(12), Some(("annual".into(), dec("20"))));
    assert_eq!(cycle(36), Some(("annual".into(), dec("20"))));
}

#[test]
fn the_subscription_price_takes_the_cycle_discount() {
    let rules = PricingRules::default();
    let price = subscription_price(&rules, dec("10"), 3).expect("3 months");
    assert_eq!(price.cycle, "quarterly");
    assert_eq!(price.months, 3);
    assert_eq!(price.percent, dec("10"));
    assert_eq!((price.full_price, price.savings, price.price), (dec("30"), dec("3"), dec("27")));
    assert_eq!(price.monthly_equivalent, dec("9"));
    // 10 % of 9.99 = 0.999 -> 1.00; 8.99 / 3 = 2.9966.. -> 3.00.
    let price = subscription_price(&rules, dec("3.33"), 3).expect("3 months");
    assert_eq!((price.savings, price.price, price.monthly_equivalent), (dec("1.00"), dec("8.99"), dec("3.00")));
    let price = subscription_price(&rules, dec("10"), 2).expect("2 months");
    assert_eq!((price.cycle.as_str(), price.savings, price.price), ("monthly", Decimal::ZERO, dec("20")));
    let price = subscription_price(&rules, dec("10"), 12).expect("12 months");
    assert_eq!((price.cycle.as_str(), price.price, price.monthly_equivalent), ("annual", dec("96"), dec("8")));
}

#[test]
fn a_subscription_of_zero_months_is_refused() {
    assert_eq!(subscription_price(&PricingRules::default(), dec("10"), 0), Err(ZeroMonths));
}

#[test]
fn a_duration_shorter_than_every_cycle_has_no_discount() {
    let mut rules = PricingRules::default();
    rules.subscription.cycles = vec![BillingCycle { name: "quarterly".into(), months: 3, percent: dec("10") }];
    let price = subscription_price(&rules, dec("10"), 2).expect("2 months");
    assert_eq!((price.percent, price.price), (Decimal::ZERO, dec("20")));
}

// ---------------------------------------------------------------------------------------------------------
// Coupons
// ---------------------------------------------------------------------------------------------------------

#[test]
fn fixed_and_percent_coupons_take_their_value_off_what_is_payable() {
    let now = neutral_now();
    let fixed = coupon("FLAT5", DiscountKind::Fixed, "5");
    assert_eq!(promotional_price(usage(&fixed), dec("60"), dec("42.5"), now), Ok(dec("5")));
    let percent = coupon("SAVE10", DiscountKind::Percent, "10");
    // 10 % of what is payable, not of the order value.
    assert_eq!(promotional_price(usage(&percent), dec("60"), dec("42.5"), now), Ok(dec("4.25")));
    // 10 % of 0.05 = 0.005 -> 0.01 (half away from zero).
    assert_eq!(promotional_price(usage(&percent), dec("60"), dec("0.05"), now), Ok(dec("0.01")));
}

#[test]
fn a_coupon_never_takes_more_than_is_payable() {
    let now = neutral_now();
    let fixed = coupon("FLAT50", DiscountKind::Fixed, "50");
    assert_eq!(promotional_price(usage(&fixed), dec("60"), dec("30"), now), Ok(dec("30")));
    assert_eq!(promotional_price(usage(&fixed), dec("60"), dec("50"), now), Ok(dec("50")));
    let percent = coupon("ALL", DiscountKind::Percent, "100");
    assert_eq!(promotional_price(usage(&percent), dec("60"), dec("30"), now), Ok(dec("30")));
    // Nothing payable: nothing off, never negative.
    assert_eq!(promotional_price(usage(&fixed), dec("60"), Decimal::ZERO, now), Ok(Decimal::ZERO));
}

#[test]
fn a_coupon_is_valid_only_within_its_window() {
    let now = neutral_now();
    let mut c = coupon("WINDOW", DiscountKind::Percent, "10");
    c.starts_at = Some(now + Duration::seconds(1));
    assert_eq!(coupon_refusal(usage(&c), dec("100"), now), Some("is not valid yet".into()));
    c.starts_at = Some(now);
    assert_eq!(coupon_refusal(usage(&c), dec("100"), now), None);
    c.ends_at = Some(now - Duration::seconds(1));
    assert_eq!(coupon_refusal(usage(&c), dec("100"), now), Some("has expired or is not active".into()));
    c.ends_at = Some(now);
    assert_eq!(coupon_refusal(usage(&c), dec("100"), now), None);
    assert_eq!(promotional_price(usage(&c), dec("100"), dec("100"), now), Ok(dec("10")));
    c.starts_at = Some(now - Duration::days(10));
    c.ends_at = Some(now - Duration::days(1));
    assert_eq!(promotional_price(usage(&c), dec("100"), dec("100"), now), Err("has expired or is not active".into()));
}

#[test]
fn an_inactive_coupon_is_refused() {
    let mut c = coupon("OFF", DiscountKind::Fixed, "5");
    c.is_active = false;
    assert_eq!(coupon_refusal(usage(&c), dec("100"), neutral_now()), Some("has expired or is not active".into()));
    assert_eq!(
        promotional_price(usage(&c), dec("100"), dec("100"), neutral_now()),
        Err("has expired or is not active".into())
    );
}

#[test]
fn a_used_up_coupon_is_refused() {
    let mut c = coupon("LIMITED", DiscountKind::Fixed, "5");
    c.usage_limit = Some(3);
    c.used_count = 2;
    assert_eq!(coupon_refusal(usage(&c), dec("100"), neutral_now()), None);
    c.used_count = 3;
    assert_eq!(coupon_refusal(usage(&c), dec("100"), neutral_now()), Some("has been used up".into()));
    c.usage_limit = None;
    c.used_count = 10_000;
    assert_eq!(coupon_refusal(usage(&c), dec("100"), neutral_now()), None);
    c.usage_limit = Some(0);
    c.used_count = 0;
    assert_eq!(coupon_refusal(usage(&c), dec("100"), neutral_now()), Some("has been used up".into()));
}

#[test]
fn a_single_use_coupon_is_refused_the_second_time() {
    let mut c = coupon("ONCE", DiscountKind::Fixed, "5");
    c.single_use_per_customer = true;
    let used = CouponUse { coupon: &c, used_by_customer: true };
    assert_eq!(coupon_refusal(used, dec("100"), neutral_now()), Some("has already been used by you".into()));
    assert_eq!(coupon_refusal(usage(&c), dec("100"), neutral_now()), None);
    // A coupon without the once-per-customer rule may be used again.
    c.single_use_per_customer = false;
    let used = CouponUse { coupon: &c, used_by_customer: true };
    assert_eq!(coupon_refusal(used, dec("100"), neutral_now()), None);
}

#[test]
fn a_coupon_below_its_minimum_order_is_refused_with_the_minimum() {
    let mut c = coupon("WELCOME10", DiscountKind::Percent, "10");
    c.min_order = dec("50");
    assert_eq!(coupon_refusal(usage(&c), dec("49.99"), neutral_now()), Some("requires an order of at least 50".into()));
    assert_eq!(coupon_refusal(usage(&c), dec("50"), neutral_now()), None);
    assert_eq!(
        promotional_price(usage(&c), dec("49.99"), dec("49.99"), neutral_now()),
        Err("requires an order of at least 50".into())
    );
}

// ---------------------------------------------------------------------------------------------------------
// The quote
// ---------------------------------------------------------------------------------------------------------

#[test]
fn a_quote_of_zero_months_is_refused() {
    let rules = PricingRules::default();
    assert_eq!(quote_one(&rules, &plan("10"), basic_buyer(), 1, 0, None), Err(QuoteRefusal::ZeroMonths));
}

#[test]
fn a_plain_quote_is_the_dynamic_price_times_quantity_and_months() {
    let rules = PricingRules::default();
    let p = plan("10");
    let q = quote_one(&rules, &p, basic_buyer(), 2, 1, None).expect("a quote");
    assert_eq!(q.rules_version, 7);
    assert_eq!((q.duration_months, q.cycle.as_str()), (1, "monthly"));
    assert_eq!(q.lines.len(), 1);
    let line = &q.lines[0];
    assert_eq!((line.plan_id.as_str(), line.server_id.as_str(), line.quantity), ("plan-1", "server-1", 2));
    assert_eq!((line.unit_amount, line.total_amount), (dec("10"), dec("20")));
    assert_eq!((q.subtotal, q.discount, q.total), (dec("20"), Decimal::ZERO, dec("20")));
    assert!(q.adjustments.is_empty(), "{:?}", q.adjustments);
    assert_eq!(q.coupon_code, None);
    assert_eq!(q.quoted_at, neutral_now());
    assert_adds_up(&q);
}

#[test]
fn a_quote_for_months_gets_the_subscription_discount() {
    let rules = PricingRules::default();
    let q = quote_one(&rules, &plan("10"), basic_buyer(), 2, 3, None).expect("a quote");
    assert_eq!(q.cycle, "quarterly");
    assert_eq!((q.lines[0].unit_amount, q.subtotal), (dec("30"), dec("60")));
    assert_eq!(kinds(&q), [AdjustmentKind::Subscription]);
    let subscription = adjustment(&q, AdjustmentKind::Subscription);
    assert_eq!((subscription.amount, subscription.percent), (dec("-6"), Some(dec("10"))));
    assert_eq!(q.total, dec("54"));
    assert_adds_up(&q);
}

#[test]
fn a_quote_has_the_new_customer_offer_or_the_tier_never_both() {
    let rules = PricingRules::default();
    let p = plan("10");
    let q = quote_one(&rules, &p, buyer("0", 3), 1, 1, None).expect("a quote");
    assert_eq!(kinds(&q), [AdjustmentKind::NewCustomer]);
    assert_eq!(adjustment(&q, AdjustmentKind::NewCustomer).amount, dec("-1.5"));
    assert!(q.loyalty.new_customer);
    assert_adds_up(&q);

    let q = quote_one(&rules, &p, buyer("1000", 3), 1, 1, None).expect("a quote");
    assert_eq!(kinds(&q), [AdjustmentKind::Loyalty]);
    assert_eq!(adjustment(&q, AdjustmentKind::Loyalty).amount, dec("-1"));
    assert_eq!(q.loyalty.tier, LoyaltyTier::Gold);
    assert!(!q.loyalty.new_customer);

    // An old account that has paid nothing: neither.
    let q = quote_one(&rules, &p, buyer("0", 31), 1, 1, None).expect("a quote");
    assert!(q.adjustments.is_empty(), "{:?}", q.adjustments);
    assert_eq!(
        q.loyalty.next_tier,
        Some(NextTier { tier: LoyaltyTier::Bronze, min_paid: dec("100"), needed: dec("100") })
    );
}

#[test]
fn automatic_discounts_exactly_at_the_cap_are_not_capped() {
    let rules = PricingRules::default();
    // Gold 10 % + annual 20 % = 30 % = the cap.
    let q = quote_one(&rules, &plan("10"), buyer("1000", 365), 1, 12, None).expect("a quote");
    assert_eq!(q.subtotal, dec("120"));
    assert_eq!(kinds(&q), [AdjustmentKind::Loyalty, AdjustmentKind::Subscription]);
    assert_eq!((q.discount, q.total), (dec("36"), dec("84")));
    assert_adds_up(&q);
}

#[test]
fn automatic_discounts_just_over_the_cap_give_back_the_excess() {
    let rules = PricingRules { discount_cap_percent: dec("29.99"), ..PricingRules::default() };
    let q = quote_one(&rules, &plan("10"), buyer("1000", 365), 1, 12, None).expect("a quote");
    assert_eq!(kinds(&q), [AdjustmentKind::Loyalty, AdjustmentKind::Subscription, AdjustmentKind::DiscountCap]);
    // The cap, 29.99 % of 120 = 35.988, rounds down to 35.98: 0.02 of the 36 is given back.
    let cap = adjustment(&q, AdjustmentKind::DiscountCap);
    assert_eq!((cap.amount, cap.percent), (dec("0.02"), Some(dec("29.99"))));
    assert_eq!((q.discount, q.total), (dec("35.98"), dec("84.02")));
    assert_adds_up(&q);
}

#[test]
fn every_automatic_discount_is_a_share_of_the_subtotal_and_together_capped() {
    let rules = PricingRules::default();
    // 100 clients for 12 months of a 10 plan, gold: 10 + 20 + 15 + 5 = 50 % -> 30 %.
    let q = quote_one(&rules, &plan("10"), buyer("1000", 365), 100, 12, None).expect("a quote");
    assert_eq!(q.subtotal, dec("12000"));
    let amounts: Vec<(AdjustmentKind, Decimal)> = q.adjustments.iter().map(|a| (a.kind, a.amount)).collect();
    assert_eq!(
        amounts,
        [
            (AdjustmentKind::Loyalty, dec("-1200")),
            (AdjustmentKind::Subscription, dec("-2400")),
            (AdjustmentKind::Bulk, dec("-1800")),
            (AdjustmentKind::VolumeBonus, dec("-600")),
            (AdjustmentKind::DiscountCap, dec("2400")),
        ]
    );
    assert_eq!(q.total, dec("8400"));
    assert_adds_up(&q);
}

#[test]
fn the_bulk_tier_of_a_quote_counts_every_line_and_the_subtotal() {
    let rules = PricingRules::default();
    let (a, b) = (plan_with("plan-a", "10", "datacenter"), plan_with("plan-b", "5", "residential"));
    let s = neutral_server();
    let input = QuoteInput {
        rules: &rules,
        rules_version: 0,
        buyer: basic_buyer(),
        lines: vec![CartLine { market: market(&a, &s), quantity: 6 }, CartLine { market: market(&b, &s), quantity: 4 }],
        months: 1,
        coupon: None,
        now: neutral_now(),
    };
    let q = quote(&input).expect("a quote");
    // 10 clients in all: the 5 % tier, on 60 + 20.
    assert_eq!(q.subtotal, dec("80"));
    assert_eq!(kinds(&q), [AdjustmentKind::Bulk]);
    assert_eq!(adjustment(&q, AdjustmentKind::Bulk).amount, dec("-4"));
    assert_eq!(q.total, dec("76"));
    assert_adds_up(&q);
}

#[test]
fn a_coupon_fits_in_the_room_the_cap_leaves_and_is_refused_when_there_is_none() {
    let rules = PricingRules::default();
    let c = coupon("SAVE10", DiscountKind::Percent, "10");
    // Gold 10 % + bulk 15 % + volume 5 % + annual 20 % = 50 %, capped at 30 %: no room is left for the coupon,
    // which is refused with that reason rather than accepted for nothing.
    let refused = quote_one(&rules, &plan("10"), buyer("1000", 365), 100, 12, Some(usage(&c)));
    assert_eq!(
        refused,
        Err(QuoteRefusal::Coupon(
            "cannot be combined with this order's other discounts: together they already reach the 30 % cap".into()
        ))
    );
    // Annual billing alone is 20 % of 120: the 10 % coupon would take 9.60 off the 96 left, the cap leaves 12.
    let q = quote_one(&rules, &plan("10"), basic_buyer(), 1, 12, Some(usage(&c))).expect("a quote");
    assert_eq!(adjustment(&q, AdjustmentKind::Coupon).amount, dec("-9.60"));
    assert_eq!(q.total, dec("86.40"));
    // A 25 % coupon would take 24: only 12 fits, and the adjustment says so.
    let big = coupon("SAVE25", DiscountKind::Percent, "25");
    let q = quote_one(&rules, &plan("10"), basic_buyer(), 1, 12, Some(usage(&big))).expect("a quote");
    let applied = adjustment(&q, AdjustmentKind::Coupon);
    assert_eq!(applied.amount, dec("-12"));
    assert_eq!(applied.description, "coupon SAVE25 (24.00 off, capped at the 30 % limit on discounts)");
    assert_eq!((q.discount, q.total), (dec("36"), dec("84")));
    assert_eq!(q.adjustments.last().map(|a| a.kind), Some(AdjustmentKind::Coupon));
    assert_adds_up(&q);
}

#[test]
fn a_fixed_coupon_larger_than_the_payable_amount_takes_it_all_and_no_more() {
    // No cap on the total here (100 %): these are about the coupon's own arithmetic.
    let rules = PricingRules { discount_cap_percent: Decimal::ONE_HUNDRED, ..PricingRules::default() };
    let c = coupon("FLAT50", DiscountKind::Fixed, "50");
    // New customer: 15 % off 20 = 17 payable.
    let q = quote_one(&rules, &plan("10"), buyer("0", 1), 2, 1, Some(usage(&c))).expect("a quote");
    assert_eq!(adjustment(&q, AdjustmentKind::Coupon).amount, dec("-17"));
    assert_eq!((q.subtotal, q.discount, q.total), (dec("20"), dec("20"), Decimal::ZERO));
    assert_adds_up(&q);
}

#[test]
fn a_fixed_coupon_is_off_the_order_not_off_each_client() {
    // Why the per-client property (tests/pricing_properties.rs) looks at the price before a fixed coupon:
    // 5 off one client at 10 is 5 each, 5 off two is 7.50 each.
    // No cap on the total here (100 %): these are about the coupon's own arithmetic.
    let rules = PricingRules { discount_cap_percent: Decimal::ONE_HUNDRED, ..PricingRules::default() };
    let c = coupon("FLAT5", DiscountKind::Fixed, "5");
    let one = quote_one(&rules, &plan("10"), basic_buyer(), 1, 1, Some(usage(&c))).expect("a quote");
    let two = quote_one(&rules, &plan("10"), basic_buyer(), 2, 1, Some(usage(&c))).expect("a quote");
    assert_eq!((one.total, two.total), (dec("5"), dec("15")));
}

#[test]
fn a_coupon_that_cannot_apply_refuses_the_quote_with_its_reason() {
    let rules = PricingRules::default();
    let mut c = coupon("WELCOME10", DiscountKind::Percent, "10");
    c.min_order = dec("50");
    let refused = quote_one(&rules, &plan("10"), basic_buyer(), 2, 1, Some(usage(&c)));
    assert_eq!(refused, Err(QuoteRefusal::Coupon("requires an order of at least 50".into())));
    assert_eq!(refused.unwrap_err().to_string(), "the coupon requires an order of at least 50");
    // The minimum is checked against the subtotal, before the automatic discounts: 60 -> 54 payable.
    c.min_order = dec("55");
    let q = quote_one(&rules, &plan("10"), basic_buyer(), 2, 3, Some(usage(&c))).expect("a quote");
    assert_eq!(adjustment(&q, AdjustmentKind::Coupon).amount, dec("-5.4"));
    assert_eq!(q.total, dec("48.6"));

    let mut used_up = coupon("GONE", DiscountKind::Fixed, "5");
    used_up.usage_limit = Some(1);
    used_up.used_count = 1;
    assert_eq!(
        quote_one(&rules, &plan("10"), basic_buyer(), 2, 1, Some(usage(&used_up))),
        Err(QuoteRefusal::Coupon("has been used up".into()))
    );
}

#[test]
fn a_quote_with_dynamic_pricing_disabled_charges_the_base_price() {
    let enabled = PricingRules::default();
    let mut disabled = PricingRules::default();
    disabled.dynamic.enabled = false;
    let p = plan("10");
    let busy = server(1000, 950, 0);
    let input = |rules| QuoteInput {
        rules,
        rules_version: 0,
        buyer: basic_buyer(),
        lines: vec![CartLine { market: market(&p, &busy), quantity: 1 }],
        months: 2,
        coupon: None,
        // Monday 10:00 in November: capacity 1.2, time 1.1, season 1.1 when enabled.
        now: at("2025-11-03T10:00:00Z"),
    };
    let q = quote(&input(&disabled)).expect("a quote");
    assert_eq!((q.lines[0].unit_amount, q.total), (dec("20"), dec("20")));
    let q = quote(&input(&enabled)).expect("a quote");
    assert_eq!((q.lines[0].unit_amount, q.total), (dec("28"), dec("28")));
}

#[test]
fn the_customers_country_reaches_the_geography_factor_of_every_line() {
    let mut rules = PricingRules::default();
    rules.dynamic.geography.same_country = dec("0.9");
    let p = plan("10");
    let s = neutral_server();
    let input = QuoteInput {
        rules: &rules,
        rules_version: 0,
        buyer: Buyer { country: Some("de"), ..basic_buyer() },
        lines: vec![CartLine { market: market(&p, &s), quantity: 1 }],
        months: 1,
        coupon: None,
        now: neutral_now(),
    };
    let q = quote(&input).expect("a quote");
    assert_eq!(q.total, dec("9"));
}

#[test]
fn an_empty_cart_costs_nothing() {
    let rules = PricingRules::default();
    let input = QuoteInput {
        rules: &rules,
        rules_version: 0,
        buyer: buyer("0", 1),
        lines: vec![],
        months: 1,
        coupon: None,
        now: neutral_now(),
    };
    let q = quote(&input).expect("a quote");
    assert_eq!((q.subtotal, q.total, q.discount), (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO));
    assert!(q.adjustments.is_empty());
    assert_adds_up(&q);
}

#[test]
fn the_helpers_round_half_away_from_zero() {
    assert_eq!(cents(dec("0.005")), dec("0.01"));
    assert_eq!(cents(dec("0.015")), dec("0.02"));
    assert_eq!(cents(dec("0.0049")), dec("0"));
    assert_eq!(percent_of(dec("200"), dec("12.5")), dec("25"));
}

// ---------------------------------------------------------------------------------------------------------
// Rule validation
// ---------------------------------------------------------------------------------------------------------

/// The fields with an error after `change` is made to the default rules.
fn invalid_fields(change: impl FnOnce(&mut PricingRules)) -> BTreeSet<String> {
    let mut rules = PricingRules::default();
    change(&mut rules);
    rules.validate().into_keys().collect()
}

fn fields<const N: usize>(names: [&str; N]) -> BTreeSet<String> {
    names.into_iter().map(String::from).collect()
}

#[test]
fn valid_edges_of_the_rules_are_accepted() {
    assert!(invalid_fields(|_| {}).is_empty());
    assert!(invalid_fields(|r| r.discount_cap_percent = Decimal::ZERO).is_empty());
    assert!(invalid_fields(|r| r.discount_cap_percent = Decimal::ONE_HUNDRED).is_empty());
    assert!(
        invalid_fields(|r| {
            r.dynamic.floor = Decimal::ONE;
            r.dynamic.ceiling = Decimal::ONE;
        })
        .is_empty()
    );
    assert!(invalid_fields(|r| r.dynamic.ceiling = dec("5")).is_empty());
    assert!(invalid_fields(|r| r.dynamic.time.time_zone = "America/New_York".into()).is_empty());
    assert!(invalid_fields(|r| r.dynamic.time.windows[0].to_hour = 24).is_empty());
    // A low band up to the lowest high band's threshold does not overlap it.
    assert!(invalid_fields(|r| r.dynamic.capacity.low[0].below = dec("0.7")).is_empty());
    assert!(invalid_fields(|r| r.dynamic.capacity = CapacityRule { high: vec![], low: vec![] }).is_empty());
    assert!(
        invalid_fields(|r| {
            r.dynamic.geography.server_countries.insert("DE".into(), dec("5"));
        })
        .is_empty()
    );
}

#[test]
fn each_invalid_field_is_reported_under_its_dotted_path() {
    type Change = Box<dyn FnOnce(&mut PricingRules)>;
    let cases: Vec<(&str, Change, BTreeSet<String>)> = vec![
        ("floor zero", Box::new(|r| r.dynamic.floor = Decimal::ZERO), fields(["dynamic.floor"])),
        ("floor above 1", Box::new(|r| r.dynamic.floor = dec("1.2")), fields(["dynamic.floor"])),
        ("ceiling below 1", Box::new(|r| r.dynamic.ceiling = dec("0.99")), fields(["dynamic.ceiling"])),
        ("ceiling above 5", Box::new(|r| r.dynamic.ceiling = dec("5.01")), fields(["dynamic.ceiling"])),
        (
            "negative demand sensitivity",
            Box::new(|r| r.dynamic.demand.sensitivity = dec("-0.1")),
            fields(["dynamic.demand.sensitivity"]),
        ),
        ("demand min above 1", Box::new(|r| r.dynamic.demand.min = dec("1.01")), fields(["dynamic.demand.min"])),
        ("demand min zero", Box::new(|r| r.dynamic.demand.min = Decimal::ZERO), fields(["dynamic.demand.min"])),
        ("demand max below 1", Box::new(|r| r.dynamic.demand.max = dec("0.99")), fields(["dynamic.demand.max"])),
        ("demand max above 5", Box::new(|r| r.dynamic.demand.max = dec("6")), fields(["dynamic.demand.max"])),
        (
            "capacity threshold above 1",
            Box::new(|r| r.dynamic.capacity.high[0].above = dec("1.01")),
            fields(["dynamic.capacity.high.0.above"]),
        ),
        (
            "capacity high bands out of order",
            Box::new(|r| r.dynamic.capacity.high[1].above = dec("0.9")),
            fields(["dynamic.capacity.high.1.above"]),
        ),
        (
            "capacity multiplier zero",
            Box::new(|r| r.dynamic.capacity.high[0].multiplier = Decimal::ZERO),
            fields(["dynamic.capacity.high.0.multiplier"]),
        ),
        (
            "capacity threshold negative",
            Box::new(|r| r.dynamic.capacity.low[0].below = dec("-0.1")),
            fields(["dynamic.capacity.low.0.below"]),
        ),
        (
            "capacity low bands out of order",
            Box::new(|r| r.dynamic.capacity.low.push(BelowBand { below: dec("0.3"), multiplier: dec("0.95") })),
            fields(["dynamic.capacity.low.1.below"]),
        ),
        (
            "capacity low multiplier above 5",
            Box::new(|r| r.dynamic.capacity.low[0].multiplier = dec("5.5")),
            fields(["dynamic.capacity.low.0.multiplier"]),
        ),
        (
            "capacity bands overlapping",
            Box::new(|r| r.dynamic.capacity.low[0].below = dec("0.71")),
            fields(["dynamic.capacity.low"]),
        ),
        (
            "capacity bands overlapping with a single high band",
            Box::new(|r| r.dynamic.capacity.high = vec![AboveBand { above: dec("0.2"), multiplier: dec("1.1") }]),
            fields(["dynamic.capacity.low"]),
        ),
        (
            "unknown time zone",
            Box::new(|r| r.dynamic.time.time_zone = "Mars/Olympus_Mons".into()),
            fields(["dynamic.time.time_zone"]),
        ),
        (
            "unknown day",
            Box::new(|r| r.dynamic.time.windows[0].days.push("funday".into())),
            fields(["dynamic.time.windows.0.days"]),
        ),
        (
            "capitalised day",
            Box::new(|r| r.dynamic.time.windows[1].days = vec!["Mon".into()]),
            fields(["dynamic.time.windows.1.days"]),
        ),
        (
            "hour after 24",
            Box::new(|r| r.dynamic.time.windows[0].to_hour = 25),
            fields(["dynamic.time.windows.0.to_hour"]),
        ),
        (
            "empty window",
            Box::new(|r| r.dynamic.time.windows[1].from_hour = 7),
            fields(["dynamic.time.windows.1.to_hour"]),
        ),
        (
            "window backwards",
            Box::new(|r| r.dynamic.time.windows[1].from_hour = 8),
            fields(["dynamic.time.windows.1.to_hour"]),
        ),
        (
            "window multiplier negative",
            Box::new(|r| r.dynamic.time.windows[0].multiplier = dec("-1")),
            fields(["dynamic.time.windows.0.multiplier"]),
        ),
        ("month 13", Box::new(|r| r.dynamic.season[1].months.push(13)), fields(["dynamic.season.1.months"])),
        ("month 0", Box::new(|r| r.dynamic.season[0].months.push(0)), fields(["dynamic.season.0.months"])),
        (
            "month in two seasons",
            Box::new(|r| r.dynamic.season[2].months.push(11)),
            fields(["dynamic.season.2.months"]),
        ),
        (
            "season multiplier above 5",
            Box::new(|r| r.dynamic.season[0].multiplier = dec("5.01")),
            fields(["dynamic.season.0.multiplier"]),
        ),
        (
            "lower-case country",
            Box::new(|r| {
                r.dynamic.geography.server_countries.insert("de".into(), dec("1.2"));
            }),
            fields(["dynamic.geography.server_countries.de"]),
        ),
        (
            "three-letter country",
            Box::new(|r| {
                r.dynamic.geography.server_countries.insert("DEU".into(), dec("1.2"));
            }),
            fields(["dynamic.geography.server_countries.DEU"]),
        ),
        (
            "country multiplier zero",
            Box::new(|r| {
                r.dynamic.geography.server_countries.insert("DE".into(), Decimal::ZERO);
            }),
            fields(["dynamic.geography.server_countries.DE"]),
        ),
        (
            "same-country multiplier zero",
            Box::new(|r| r.dynamic.geography.same_country = Decimal::ZERO),
            fields(["dynamic.geography.same_country"]),
        ),
        (
            "negative competition weight",
            Box::new(|r| r.dynamic.competition.weight = dec("-0.5")),
            fields(["dynamic.competition.weight"]),
        ),
        (
            "competition min above 1",
            Box::new(|r| r.dynamic.competition.min = dec("1.05")),
            fields(["dynamic.competition.min"]),
        ),
        (
            "competition max below 1",
            Box::new(|r| r.dynamic.competition.max = dec("0.95")),
            fields(["dynamic.competition.max"]),
        ),
        (
            "reference price zero",
            Box::new(|r| r.dynamic.competition.reference_prices = vec![reference("datacenter", None, "0")]),
            fields(["dynamic.competition.reference_prices.0.price"]),
        ),
        (
            "reference repeated",
            Box::new(|r| {
                r.dynamic.competition.reference_prices = vec![
                    reference("datacenter", Some("Paris"), "10"),
                    reference("datacenter", None, "10"),
                    reference("datacenter", Some("Paris"), "12"),
                ]
            }),
            fields(["dynamic.competition.reference_prices.2"]),
        ),
        (
            "tier discount above 100",
            Box::new(|r| r.loyalty.tiers[2].discount_percent = dec("100.01")),
            fields(["loyalty.tiers.2.discount_percent"]),
        ),
        (
            "tier discount below the tier before",
            Box::new(|r| r.loyalty.tiers[2].discount_percent = dec("4.99")),
            fields(["loyalty.tiers.2.discount_percent"]),
        ),
        (
            "tier from zero paid",
            Box::new(|r| r.loyalty.tiers[0].min_paid = Decimal::ZERO),
            fields(["loyalty.tiers.0.min_paid"]),
        ),
        (
            "tier threshold not above the one before",
            Box::new(|r| r.loyalty.tiers[1].min_paid = dec("100")),
            fields(["loyalty.tiers.1.min_paid"]),
        ),
        (
            "basic tier as a rule",
            Box::new(|r| r.loyalty.tiers[0].tier = LoyaltyTier::Basic),
            fields(["loyalty.tiers.0.tier"]),
        ),
        (
            "tiers out of order",
            Box::new(|r| r.loyalty.tiers[2].tier = LoyaltyTier::Silver),
            fields(["loyalty.tiers.2.tier"]),
        ),
        (
            "negative new-customer offer",
            Box::new(|r| r.loyalty.new_customer.discount_percent = dec("-1")),
            fields(["loyalty.new_customer.discount_percent"]),
        ),
        (
            "bulk percent above 100",
            Box::new(|r| r.bulk.tiers[2].percent = dec("101")),
            fields(["bulk.tiers.2.percent"]),
        ),
        (
            "bulk percent below the tier before",
            Box::new(|r| r.bulk.tiers[2].percent = dec("9.99")),
            fields(["bulk.tiers.2.percent"]),
        ),
        (
            "negative bulk value",
            Box::new(|r| r.bulk.tiers[0].min_value = dec("-1")),
            fields(["bulk.tiers.0.min_value"]),
        ),
        (
            "bulk quantity not above the tier before",
            Box::new(|r| r.bulk.tiers[1].min_quantity = 10),
            fields(["bulk.tiers.1.min_quantity"]),
        ),
        (
            "bulk value not above the tier before",
            Box::new(|r| r.bulk.tiers[1].min_value = dec("250")),
            fields(["bulk.tiers.1.min_value"]),
        ),
        (
            "volume bonus percent negative",
            Box::new(|r| r.bulk.volume_bonus[0].percent = dec("-0.5")),
            fields(["bulk.volume_bonus.0.percent"]),
        ),
        (
            "volume bonus quantity not above the one before",
            Box::new(|r| r.bulk.volume_bonus[1].min_quantity = 50),
            fields(["bulk.volume_bonus.1.min_quantity"]),
        ),
        (
            "volume bonus percent below the one before",
            Box::new(|r| r.bulk.volume_bonus[1].percent = dec("2")),
            fields(["bulk.volume_bonus.1.percent"]),
        ),
        ("no billing cycle", Box::new(|r| r.subscription.cycles.clear()), fields(["subscription.cycles"])),
        (
            "cycle of zero months",
            Box::new(|r| r.subscription.cycles[0].months = 0),
            fields(["subscription.cycles.0.months"]),
        ),
        (
            "cycle without a name",
            Box::new(|r| r.subscription.cycles[1].name = "  ".into()),
            fields(["subscription.cycles.1.name"]),
        ),
        (
            "cycle percent above 100",
            Box::new(|r| r.subscription.cycles[3].percent = dec("100.5")),
            fields(["subscription.cycles.3.percent"]),
        ),
        (
            "cycle not longer than the one before",
            Box::new(|r| r.subscription.cycles[2].months = 3),
            fields(["subscription.cycles.2.months"]),
        ),
        (
            "cycle percent below the one before",
            Box::new(|r| r.subscription.cycles[2].percent = dec("9")),
            fields(["subscription.cycles.2.percent"]),
        ),
        ("cap above 100", Box::new(|r| r.discount_cap_percent = dec("100.01")), fields(["discount_cap_percent"])),
        ("cap negative", Box::new(|r| r.discount_cap_percent = dec("-0.01")), fields(["discount_cap_percent"])),
    ];
    let mut failures = Vec::new();
    for (name, change, expected) in cases {
        let found = invalid_fields(change);
        if found != expected {
            failures.push(format!("{name}: expected {expected:?}, got {found:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn validation_messages_say_what_is_allowed() {
    let mut rules = PricingRules { discount_cap_percent: dec("101"), ..PricingRules::default() };
    rules.dynamic.floor = dec("1.5");
    rules.dynamic.time.time_zone = "Nowhere".into();
    rules.subscription.cycles[1].months = 1;
    let errors = rules.validate();
    assert_eq!(errors["discount_cap_percent"], ["must be between 0 and 100"]);
    assert_eq!(errors["dynamic.floor"], ["must be at most 1 (a share of the base price)"]);
    assert_eq!(errors["dynamic.time.time_zone"], ["must be an IANA time zone such as Europe/Paris"]);
    assert_eq!(errors["subscription.cycles.1.months"], ["must be longer than the cycle before it"]);
    // Every problem of a field is listed.
    rules.dynamic.floor = dec("6");
    let errors = rules.validate();
    assert_eq!(
        errors["dynamic.floor"],
        ["must be above 0 and at most 5", "must be at most 1 (a share of the base price)"]
    );
}
