//! Properties of the pricing engine over random plans, servers, demand, moments, customers, carts, coupons and
//! valid variations of the pricing rules.

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use proxy_core::domain::{Coupon, DiscountKind, Plan, PlanId, Server, ServerId, ServerStatus};
use proxy_core::pricing::discounts::cycle_for;
use proxy_core::pricing::rules::{
    AboveBand, BelowBand, BillingCycle, BulkTier, LoyaltyTierRule, ReferencePrice, SeasonWindow, TimeWindow,
    VolumeBonus,
};
use proxy_core::pricing::{
    AdjustmentKind, Buyer, CartLine, CouponUse, Demand, PlanMarket, PricingRules, Quote, QuoteInput, QuoteRefusal,
    bulk_discount, coupon_refusal, dynamic_price, quote,
};
use rust_decimal::{Decimal, RoundingStrategy};

// ---------------------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------------------

/// `low..=high` hundredths: money in cents, or a ratio with two places.
fn hundredths(low: i64, high: i64) -> impl Strategy<Value = Decimal> {
    (low..=high).prop_map(|n| Decimal::new(n, 2))
}

/// `count` increments of `0..=step` hundredths, added up: an ascending (not strictly) list of percentages.
fn ascending_percents(count: usize, step: i64) -> impl Strategy<Value = Vec<Decimal>> {
    prop::collection::vec(0..=step, count).prop_map(|steps| {
        steps
            .iter()
            .scan(0i64, |sum, step| {
                *sum += step;
                Some(Decimal::new(*sum, 2))
            })
            .collect()
    })
}

/// `count` strictly ascending values, each `1..=step` above the one before, starting from `start`.
fn strictly_ascending(count: usize, start: i64, step: i64) -> impl Strategy<Value = Vec<i64>> {
    prop::collection::vec(1..=step, count).prop_map(move |steps| {
        steps
            .iter()
            .scan(start, |at, step| {
                *at += step;
                Some(*at)
            })
            .collect()
    })
}

const TIME_ZONES: [&str; 5] = ["UTC", "Europe/Paris", "America/New_York", "Asia/Tokyo", "Pacific/Auckland"];
const COUNTRIES: [&str; 4] = ["DE", "FR", "US", "NL"];
const LOCATIONS: [&str; 3] = ["Frankfurt", "Paris", "Dallas"];
const PLAN_TYPES: [&str; 2] = ["datacenter", "residential"];

prop_compose! {
    fn dynamic_variation()(
        enabled in prop::bool::weighted(0.85),
        floor in hundredths(10, 100),
        ceiling in hundredths(100, 300),
        sensitivity in hundredths(0, 100),
        demand_min in hundredths(50, 100),
        demand_max in hundredths(100, 200),
        high_above in (hundredths(51, 100), hundredths(26, 50)),
        high_multipliers in (hundredths(50, 200), hundredths(50, 200)),
        low in (hundredths(0, 25), hundredths(50, 150)),
        time_zone in prop::sample::select(&TIME_ZONES[..]),
        time_multipliers in (hundredths(50, 150), hundredths(50, 150)),
        season_multipliers in (hundredths(80, 130), hundredths(80, 130)),
        countries in prop::collection::btree_map(prop::sample::select(&COUNTRIES[..]), hundredths(80, 150), 0..=3),
        same_country in hundredths(80, 120),
        competition in (hundredths(0, 100), hundredths(50, 100), hundredths(100, 200)),
        references in (
            prop::option::of(hundredths(50, 50_000)),
            prop::option::of((prop::sample::select(&LOCATIONS[..]), hundredths(50, 50_000))),
        ),
    ) -> PricingRules {
        let mut rules = PricingRules::default();
        let d = &mut rules.dynamic;
        d.enabled = enabled;
        d.floor = floor;
        d.ceiling = ceiling;
        d.demand.sensitivity = sensitivity;
        d.demand.min = demand_min;
        d.demand.max = demand_max;
        d.capacity.high = vec![
            AboveBand { above: high_above.0, multiplier: high_multipliers.0 },
            AboveBand { above: high_above.1, multiplier: high_multipliers.1 },
        ];
        d.capacity.low = vec![BelowBand { below: low.0, multiplier: low.1 }];
        d.time.time_zone = time_zone.into();
        d.time.windows = vec![
            TimeWindow {
                days: ["mon", "tue", "wed", "thu", "fri"].map(String::from).to_vec(),
                from_hour: 9,
                to_hour: 18,
                multiplier: time_multipliers.0,
            },
            TimeWindow { days: vec![], from_hour: 2, to_hour: 7, multiplier: time_multipliers.1 },
        ];
        d.season = vec![
            SeasonWindow { months: vec![11, 12], multiplier: season_multipliers.0 },
            SeasonWindow { months: vec![6, 7, 8], multiplier: season_multipliers.1 },
        ];
        d.geography.server_countries = countries.into_iter().map(|(c, m)| (c.to_string(), m)).collect();
        d.geography.same_country = same_country;
        d.competition.weight = competition.0;
        d.competition.min = competition.1;
        d.competition.max = competition.2;
        d.competition.reference_prices = references
            .0
            .map(|price| ReferencePrice { plan_type: "datacenter".into(), location: None, price })
            .into_iter()
            .chain(references.1.map(|(location, price)| ReferencePrice {
                plan_type: "datacenter".into(),
                location: Some(location.into()),
                price,
            }))
            .collect();
        rules
    }
}

prop_compose! {
    /// Valid rules: random dynamic factors, bounds, tiers, cycles and cap.
    fn rules()(
        mut rules in dynamic_variation(),
        loyalty_thresholds in strictly_ascending(3, 0, 100_000),
        loyalty_percents in ascending_percents(3, 1_000),
        new_customer in (hundredths(0, 3_000), 0u32..=60),
        bulk_quantities in strictly_ascending(3, 0, 40),
        bulk_values in strictly_ascending(3, -1, 100_000),
        bulk_percents in ascending_percents(3, 1_000),
        bonus_quantities in strictly_ascending(2, 0, 80),
        bonus_percents in ascending_percents(2, 500),
        cycle_percents in ascending_percents(3, 1_000),
        cap in hundredths(0, 10_000),
    ) -> PricingRules {
        let benefits = vec!["a benefit".to_string()];
        rules.loyalty.tiers = rules
            .loyalty
            .tiers
            .iter()
            .zip(loyalty_thresholds.iter().zip(&loyalty_percents))
            .map(|(tier, (cents, percent))| LoyaltyTierRule {
                tier: tier.tier,
                min_paid: Decimal::new(*cents, 2),
                discount_percent: *percent,
                benefits: benefits.clone(),
            })
            .collect();
        rules.loyalty.new_customer.discount_percent = new_customer.0;
        rules.loyalty.new_customer.max_account_age_days = new_customer.1;
        rules.bulk.tiers = (0..3)
            .map(|i| BulkTier {
                min_quantity: bulk_quantities[i] as u32,
                min_value: Decimal::new(bulk_values[i], 2),
                percent: bulk_percents[i],
            })
            .collect();
        rules.bulk.volume_bonus = (0..2)
            .map(|i| VolumeBonus { min_quantity: bonus_quantities[i] as u32, percent: bonus_percents[i] })
            .collect();
        let mut cycles = vec![BillingCycle { name: "monthly".into(), months: 1, percent: Decimal::ZERO }];
        for (months, percent) in [3, 6, 12].into_iter().zip(cycle_percents) {
            cycles.push(BillingCycle { name: format!("{months}_months"), months, percent });
        }
        rules.subscription.cycles = cycles;
        rules.discount_cap_percent = cap;
        rules
    }
}

prop_compose! {
    fn plan()(price in hundredths(50, 50_000), plan_type in prop::sample::select(&PLAN_TYPES[..])) -> Plan {
        Plan {
            id: PlanId::from("plan-1"),
            server_id: ServerId::from("server-1"),
            name: "A plan".into(),
            price,
            days: 30,
            protocol: "vless".into(),
            plan_type: plan_type.into(),
            data_limit_gb: None,
            is_active: true,
            is_popular: false,
            inbound_id: 1,
            created_at: DateTime::from_timestamp(1_700_000_000, 0).expect("a time"),
        }
    }
}

/// A server with `max_clients` 0..1000 and `active + held <= max_clients`.
fn server() -> impl Strategy<Value = Server> {
    (0u32..=1000)
        .prop_flat_map(|max| (Just(max), 0..=max))
        .prop_flat_map(|(max, active)| (Just(max), Just(active), 0..=max - active))
        .prop_flat_map(|(max, active, held)| {
            (Just((max, active, held)), prop::sample::select(&COUNTRIES[..]), prop::sample::select(&LOCATIONS[..]))
        })
        .prop_map(|((max, active, held), country, location)| Server {
            id: ServerId::from("server-1"),
            name: "srv-1".into(),
            location: location.into(),
            country: country.into(),
            status: ServerStatus::Up,
            max_clients: max,
            active_clients: active,
            held_clients: held,
            free_slots: max - active - held,
            panel_host: "panel.example.test".into(),
            panel_port: 2053,
            created_at: DateTime::from_timestamp(1_700_000_000, 0).expect("a time"),
        })
}

fn demand() -> impl Strategy<Value = Demand> {
    (0u64..=500)
        .prop_flat_map(|last_30_days| (0..=last_30_days, Just(last_30_days)))
        .prop_map(|(last_7_days, last_30_days)| Demand { last_7_days, last_30_days })
}

/// 2024-01-01 to 2027-12-31.
fn moment() -> impl Strategy<Value = DateTime<Utc>> {
    (1_704_067_200i64..1_830_297_600).prop_map(|s| DateTime::from_timestamp(s, 0).expect("a time"))
}

#[derive(Debug, Clone)]
struct Customer {
    total_paid: Decimal,
    /// Seconds between the account's creation and the quote.
    age_seconds: i64,
    country: Option<&'static str>,
}

prop_compose! {
    fn customer()(
        total_paid in prop_oneof![Just(Decimal::ZERO), hundredths(0, 300_000)],
        age_seconds in 0i64..120 * 86_400,
        country in prop::option::of(prop::sample::select(&COUNTRIES[..])),
    ) -> Customer {
        Customer { total_paid, age_seconds, country }
    }
}

/// A coupon, its window relative to the moment of the quote, and whether this customer has used it.
#[derive(Debug, Clone)]
struct CouponCase {
    coupon: Coupon,
    starts_in_seconds: Option<i64>,
    ends_in_seconds: Option<i64>,
    used_by_customer: bool,
}

prop_compose! {
    fn coupon_case()(
        kind in prop_oneof![Just(DiscountKind::Fixed), Just(DiscountKind::Percent)],
        fixed in hundredths(1, 60_000),
        percent in hundredths(1, 10_000),
        min_order in prop_oneof![Just(Decimal::ZERO), hundredths(0, 200_000)],
        is_active in prop::bool::weighted(0.9),
        usage_limit in prop::option::weighted(0.3, 0u32..=10),
        used_count in 0u32..=10,
        single_use_per_customer in prop::bool::weighted(0.3),
        used_by_customer in prop::bool::weighted(0.3),
        starts_in_seconds in prop::option::weighted(0.3, -86_400i64 * 10..86_400 * 10),
        ends_in_seconds in prop::option::weighted(0.3, -86_400i64 * 10..86_400 * 10),
    ) -> CouponCase {
        let value = if kind == DiscountKind::Fixed { fixed } else { percent };
        CouponCase {
            coupon: Coupon {
                min_order,
                is_active,
                usage_limit,
                used_count,
                single_use_per_customer,
                ..Coupon::new("PROP", kind, value)
            },
            starts_in_seconds,
            ends_in_seconds,
            used_by_customer,
        }
    }
}

#[derive(Debug, Clone)]
struct Scenario {
    rules: PricingRules,
    plan: Plan,
    server: Option<Server>,
    demand: Demand,
    now: DateTime<Utc>,
    customer: Customer,
    coupon: Option<Coupon>,
    used_by_customer: bool,
    quantity: u32,
    months: u32,
}

prop_compose! {
    fn scenario()(
        rules in rules(),
        plan in plan(),
        server in prop::option::weighted(0.9, server()),
        demand in demand(),
        now in moment(),
        customer in customer(),
        coupon in prop::option::of(coupon_case()),
        // Small carts often: rounding matters most there.
        quantity in prop_oneof![1u32..=5, 1u32..=150],
        months in 1u32..=12,
    ) -> Scenario {
        let used_by_customer = coupon.as_ref().is_some_and(|c| c.used_by_customer);
        let coupon = coupon.map(|c| Coupon {
            starts_at: c.starts_in_seconds.map(|s| now + Duration::seconds(s)),
            ends_at: c.ends_in_seconds.map(|s| now + Duration::seconds(s)),
            plans: vec![],
            locations: vec![],
            created_by: None,
            created_at: None,
            ended_by: None,
            ended_at: None,
            ..c.coupon
        });
        Scenario { rules, plan, server, demand, now, customer, coupon, used_by_customer, quantity, months }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------

impl Scenario {
    fn market(&self) -> PlanMarket<'_> {
        PlanMarket { plan: &self.plan, server: self.server.as_ref(), demand: self.demand }
    }

    fn buyer(&self) -> Buyer<'static> {
        Buyer {
            total_paid: self.customer.total_paid,
            created_at: self.now - Duration::seconds(self.customer.age_seconds),
            country: self.customer.country,
        }
    }

    fn coupon_use(&self) -> Option<CouponUse<'_>> {
        self.coupon.as_ref().map(|coupon| CouponUse { coupon, used_by_customer: self.used_by_customer })
    }

    fn quote(&self, quantity: u32) -> Result<Quote, QuoteRefusal> {
        quote(&QuoteInput {
            rules: &self.rules,
            rules_version: 3,
            buyer: self.buyer(),
            lines: vec![CartLine { market: self.market(), quantity }],
            months: self.months,
            coupon: self.coupon_use(),
            now: self.now,
        })
    }

    fn quote_without_coupon(&self, quantity: u32) -> Quote {
        let input = QuoteInput {
            rules: &self.rules,
            rules_version: 3,
            buyer: self.buyer(),
            lines: vec![CartLine { market: self.market(), quantity }],
            months: self.months,
            coupon: None,
            now: self.now,
        };
        quote(&input).expect("only a coupon or zero months refuse a quote")
    }
}

fn rules_are_valid(rules: &PricingRules) -> Result<(), TestCaseError> {
    let errors = rules.validate();
    prop_assert!(errors.is_empty(), "the generator made invalid rules: {:?}", errors);
    Ok(())
}

/// A quote refused only for its coupon: with the reason `coupon_refusal` gives for the subtotal, or because
/// the other discounts already take the whole cap; a coupon that can apply and fits is never refused.
fn check_refusal(s: &Scenario, quantity: u32, result: &Result<Quote, QuoteRefusal>) -> Result<(), TestCaseError> {
    let without = s.quote_without_coupon(quantity);
    let expected = s.coupon_use().and_then(|usage| coupon_refusal(usage, without.subtotal, s.now));
    match (result, expected) {
        (Ok(_), None) => Ok(()),
        (Err(QuoteRefusal::Coupon(reason)), Some(expected)) => {
            prop_assert_eq!(reason, &expected);
            Ok(())
        }
        (Err(QuoteRefusal::Coupon(reason)), None) if reason.starts_with("cannot be combined") => {
            prop_assert_eq!(
                without.discount,
                cap_of(&s.rules, without.subtotal),
                "refused with room left under the cap"
            );
            Ok(())
        }
        (other, expected) => Err(TestCaseError::fail(format!("quote {other:?} but coupon refusal {expected:?}"))),
    }
}

/// The most the cap lets a quote take off `subtotal`, in cents (rounded down, as the engine does).
fn cap_of(rules: &PricingRules, subtotal: Decimal) -> Decimal {
    (subtotal * rules.discount_cap_percent / Decimal::ONE_HUNDRED).round_dp_with_strategy(2, RoundingStrategy::ToZero)
}

/// What the automatic discounts take: every adjustment but the coupon, the cap's give-back included.
fn automatic_discount(quote: &Quote) -> Decimal {
    -quote.adjustments.iter().filter(|a| a.kind != AdjustmentKind::Coupon).map(|a| a.amount).sum::<Decimal>()
}

/// How far cent rounding can move the total of `quote` (for `quantity` clients) from the exact total: each
/// percentage taken off the subtotal is rounded to the nearest cent (half a cent each); the cap, when it
/// applies, is rounded down (under a cent) and replaces their sum; a percent coupon rounds once more (half a
/// cent). A fixed coupon is exact.
fn rounding_slack(s: &Scenario, quote: &Quote, quantity: u32) -> Decimal {
    let half_cent = Decimal::new(5, 3);
    let bulk = bulk_discount(&s.rules, quantity, quote.subtotal);
    let cycle = cycle_for(&s.rules, s.months).map(|c| c.percent).unwrap_or_default();
    let percentages = [quote.loyalty.discount_percent, cycle, bulk.tier_percent, bulk.volume_bonus_percent];
    let rounded = percentages.iter().filter(|p| !p.is_zero()).count();
    let mut slack = half_cent * Decimal::from(rounded);
    if quote.adjustments.iter().any(|a| a.kind == AdjustmentKind::DiscountCap) {
        slack = slack.max(Decimal::new(1, 2));
    }
    if quote.coupon_code.is_some() && s.coupon.as_ref().is_some_and(|c| c.kind == DiscountKind::Percent) {
        slack += half_cent;
    }
    slack
}

fn coupon_discount(quote: &Quote) -> Decimal {
    -quote.adjustments.iter().filter(|a| a.kind == AdjustmentKind::Coupon).map(|a| a.amount).sum::<Decimal>()
}

// ---------------------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------------------

proptest! {
    #[test]
    fn the_dynamic_price_stays_within_floor_and_ceiling(s in scenario()) {
        rules_are_valid(&s.rules)?;
        let rules = &s.rules.dynamic;
        let price = dynamic_price(rules, s.market(), s.customer.country, s.quantity, s.now);
        let base = s.plan.price;
        let lowest = (base * rules.floor).round_dp_with_strategy(2, RoundingStrategy::ToPositiveInfinity);
        let highest = (base * rules.ceiling).round_dp_with_strategy(2, RoundingStrategy::ToNegativeInfinity);
        prop_assert!(lowest <= price.unit_price && price.unit_price <= highest,
            "{} outside [{}, {}] for base {}: {:?}", price.unit_price, lowest, highest, base, price);
        prop_assert_eq!(price.unit_price, price.unit_price.round_dp(2), "the unit price is in cents");
        prop_assert_eq!(price.amount, price.unit_price * Decimal::from(s.quantity));
        if !rules.enabled {
            prop_assert_eq!(price.unit_price, base);
            prop_assert_eq!(price.bounded_by, None);
        }
        match price.bounded_by {
            Some(proxy_core::pricing::Bound::Floor) => prop_assert_eq!(price.unit_price, lowest),
            Some(proxy_core::pricing::Bound::Ceiling) => prop_assert_eq!(price.unit_price, highest),
            None => {}
        }
    }

    #[test]
    fn the_total_discount_never_exceeds_the_cap(s in scenario()) {
        rules_are_valid(&s.rules)?;
        let result = s.quote(s.quantity);
        check_refusal(&s, s.quantity, &result)?;
        let Ok(quote) = result else { return Ok(()) };
        let automatic = automatic_discount(&quote);
        let cap = quote.subtotal * s.rules.discount_cap_percent / Decimal::ONE_HUNDRED;
        prop_assert!(automatic >= Decimal::ZERO, "automatic discounts {} add money", automatic);
        prop_assert!(coupon_discount(&quote) >= Decimal::ZERO, "the coupon adds money");
        prop_assert!(quote.discount <= cap, "the discount {} is above the cap {} of {}: {:#?}",
            quote.discount, cap, quote.subtotal, quote.adjustments);
    }

    #[test]
    fn more_clients_never_raise_the_price_per_client(s in scenario(), more in 1u32..=100) {
        rules_are_valid(&s.rules)?;
        let (few, many) = (s.quantity, s.quantity + more);
        let (Ok(a), Ok(b)) = (s.quote(few), s.quote(many)) else { return Ok(()) };
        prop_assert_eq!(a.lines[0].unit_amount, b.lines[0].unit_amount, "the unit amount depends on quantity");
        prop_assert_eq!(&a.lines[0].dynamic.unit_price, &b.lines[0].dynamic.unit_price);
        // A fixed coupon is an amount off the order, not off each client: spread over more clients it takes
        // less from each, so the price per client *before* it is what may not rise.
        let fixed = s.coupon.as_ref().is_some_and(|c| c.kind == DiscountKind::Fixed);
        let charged = |q: &Quote| if fixed { q.total + coupon_discount(q) } else { q.total };
        let per_client = |q: &Quote, n: u32| charged(q) / Decimal::from(n);
        // Exactly (before cents) the price per client never rises; each total is within its rounding slack
        // of the exact one, which is spread over its clients.
        let slack = rounding_slack(&s, &a, few) / Decimal::from(few) + rounding_slack(&s, &b, many) / Decimal::from(many);
        prop_assert!(per_client(&b, many) <= per_client(&a, few) + slack,
            "{} clients at {} each, {} at {} each (slack {}):\n{:#?}\n{:#?}",
            few, per_client(&a, few), many, per_client(&b, many), slack, a.adjustments, b.adjustments);
    }

    #[test]
    fn the_lines_and_adjustments_add_up_to_the_total(s in scenario()) {
        rules_are_valid(&s.rules)?;
        let result = s.quote(s.quantity);
        check_refusal(&s, s.quantity, &result)?;
        let Ok(quote) = result else { return Ok(()) };
        let lines: Decimal = quote.lines.iter().map(|l| l.total_amount).sum();
        let adjustments: Decimal = quote.adjustments.iter().map(|a| a.amount).sum();
        prop_assert_eq!(quote.subtotal, lines);
        prop_assert_eq!(lines + adjustments, quote.total);
        prop_assert!(quote.total >= Decimal::ZERO, "negative total {}", quote.total);
        prop_assert_eq!(quote.discount, quote.subtotal - quote.total);
        prop_assert_eq!(quote.total, quote.total.round_dp(2), "the total is in cents");
        for line in &quote.lines {
            prop_assert_eq!(line.unit_amount, line.dynamic.unit_price * Decimal::from(s.months));
            prop_assert_eq!(line.total_amount, line.unit_amount * Decimal::from(line.quantity));
        }
    }

    #[test]
    fn the_same_inputs_give_the_same_quote(s in scenario()) {
        rules_are_valid(&s.rules)?;
        prop_assert_eq!(s.quote(s.quantity), s.quote(s.quantity));
        prop_assert_eq!(s.clone().quote(s.quantity), s.quote(s.quantity));
    }
}
