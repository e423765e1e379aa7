//! `dynamic_price`: a plan's base price times factors computed from data — demand, capacity, time, season,
//! geography, competition — each reported with its value and why it took it. The customer's loyalty is *not*
//! a factor here (the original counted it twice): it is applied once, by `personalised_price`.

use super::rules::{DynamicRules, weekday_name};
use super::{Demand, cents};
use crate::domain::{Money, Plan, Server};
use crate::time_zone::LocalTime;
use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Factor {
    pub name: String,
    pub multiplier: Decimal,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    Floor,
    Ceiling,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DynamicPrice {
    /// The plan's price for one client and one period.
    pub base_price: Money,
    pub factors: Vec<Factor>,
    /// `base * (1 + sum(multiplier - 1))`, before the floor and ceiling.
    pub raw_price: Decimal,
    /// What one client costs for one period: the raw price within the bounds, in cents.
    pub unit_price: Money,
    /// Set when the floor or the ceiling decided the price.
    pub bounded_by: Option<Bound>,
    pub quantity: u32,
    /// `unit_price * quantity`.
    pub amount: Money,
}

/// What the dynamic price of one plan depends on besides the rules.
#[derive(Debug, Clone, Copy)]
pub struct PlanMarket<'a> {
    pub plan: &'a Plan,
    /// The plan's server (None when it is gone: the capacity and location factors are then neutral).
    pub server: Option<&'a Server>,
    pub demand: Demand,
}

fn one(name: &'static str, reason: impl Into<String>) -> Factor {
    Factor { name: name.into(), multiplier: Decimal::ONE, reason: reason.into() }
}

pub fn demand_factor(rules: &DynamicRules, demand: Demand) -> Factor {
    if demand.last_30_days == 0 {
        return one("demand", "no orders in the last 30 days");
    }
    // The average week of the last 30 days.
    let weekly = Decimal::from(demand.last_30_days) * Decimal::from(7) / Decimal::from(30);
    let ratio = Decimal::from(demand.last_7_days) / weekly;
    let raw = Decimal::ONE + (ratio - Decimal::ONE) * rules.demand.sensitivity;
    let multiplier = raw.clamp(rules.demand.min, rules.demand.max).round_dp(4);
    Factor {
        name: "demand".into(),
        multiplier,
        reason: format!(
            "{} orders in the last 7 days against {} in an average week of the last 30",
            demand.last_7_days,
            weekly.round_dp(1).normalize()
        ),
    }
}

pub fn capacity_factor(rules: &DynamicRules, server: Option<&Server>) -> Factor {
    let Some(server) = server else {
        return one("capacity", "the plan's server is unknown");
    };
    if server.max_clients == 0 {
        // The original divided by zero here; a server without a capacity has no utilisation to price by.
        return one("capacity", "the server has no capacity set");
    }
    let used = server.active_clients + server.held_clients;
    let utilisation = Decimal::from(used) / Decimal::from(server.max_clients);
    let shown = format!("{used} of {} slots in use", server.max_clients);
    if let Some(band) = rules.capacity.high.iter().find(|b| utilisation > b.above) {
        return Factor {
            name: "capacity".into(),
            multiplier: band.multiplier,
            reason: format!("{shown}, above {} %", (band.above * Decimal::ONE_HUNDRED).normalize()),
        };
    }
    if let Some(band) = rules.capacity.low.iter().find(|b| utilisation < b.below) {
        return Factor {
            name: "capacity".into(),
            multiplier: band.multiplier,
            reason: format!("{shown}, below {} %", (band.below * Decimal::ONE_HUNDRED).normalize()),
        };
    }
    one("capacity", shown)
}

/// `now` in the rules' time zone: the time and season factors read the shop's local clock and calendar.
fn local_time(rules: &DynamicRules, now: DateTime<Utc>) -> LocalTime {
    crate::time_zone::local_time(now, &rules.time.time_zone)
}

pub fn time_factor(rules: &DynamicRules, now: DateTime<Utc>) -> Factor {
    let local = local_time(rules, now);
    let (day, hour) = (weekday_name(local.weekday), local.hour);
    let window =
        rules.time.windows.iter().find(|w| {
            (w.days.is_empty() || w.days.iter().any(|d| d == day)) && (w.from_hour..w.to_hour).contains(&hour)
        });
    match window {
        Some(w) => Factor {
            name: "time".into(),
            multiplier: w.multiplier,
            reason: format!(
                "{day} {hour:02}h {} is within {:02}h-{:02}h{}",
                rules.time.time_zone,
                w.from_hour,
                w.to_hour,
                if w.days.is_empty() { String::new() } else { format!(" on {}", w.days.join(", ")) }
            ),
        },
        None => one("time", format!("{day} {hour:02}h {} is in no priced window", rules.time.time_zone)),
    }
}

pub fn season_factor(rules: &DynamicRules, now: DateTime<Utc>) -> Factor {
    let month = local_time(rules, now).month;
    match rules.season.iter().find(|s| s.months.contains(&month)) {
        Some(s) => {
            Factor { name: "season".into(), multiplier: s.multiplier, reason: format!("month {month} is in season") }
        }
        None => one("season", format!("month {month} has no seasonal price")),
    }
}

pub fn geography_factor(rules: &DynamicRules, server: Option<&Server>, customer_country: Option<&str>) -> Factor {
    let Some(server) = server else {
        return one("geography", "the plan's server is unknown");
    };
    let country = server.country.to_uppercase();
    let location = rules.geography.server_countries.get(&country).copied();
    let same = customer_country.is_some_and(|c| c.eq_ignore_ascii_case(&country));
    let mut multiplier = location.unwrap_or(Decimal::ONE);
    let mut reasons = vec![match location {
        Some(m) => format!("servers in {country} are priced at {}", m.normalize()),
        None => format!("no location price for {country}"),
    }];
    match customer_country {
        Some(_) if same => {
            multiplier *= rules.geography.same_country;
            reasons.push("the customer is in the server's country".into());
        }
        Some(c) => reasons.push(format!("the customer is in {}", c.to_uppercase())),
        None => reasons.push("the customer's country is not known".into()),
    }
    Factor { name: "geography".into(), multiplier: multiplier.round_dp(4), reason: reasons.join("; ") }
}

pub fn competition_factor(rules: &DynamicRules, plan: &Plan, server: Option<&Server>) -> Factor {
    let competition = &rules.competition;
    let location = server.map(|s| s.location.as_str());
    let reference = competition
        .reference_prices
        .iter()
        .filter(|r| r.plan_type == plan.plan_type)
        .find(|r| r.location.as_deref().zip(location).is_some_and(|(want, at)| want.eq_ignore_ascii_case(at)))
        .or_else(|| {
            competition.reference_prices.iter().find(|r| r.plan_type == plan.plan_type && r.location.is_none())
        });
    let Some(reference) = reference else {
        return one("competition", format!("no reference price for {} plans", plan.plan_type));
    };
    if plan.price <= Decimal::ZERO {
        return one("competition", "the plan is free");
    }
    let ratio = reference.price / plan.price;
    let raw = Decimal::ONE + (ratio - Decimal::ONE) * competition.weight;
    Factor {
        name: "competition".into(),
        multiplier: raw.clamp(competition.min, competition.max).round_dp(4),
        reason: format!(
            "the market price of {} plans{} is {}",
            plan.plan_type,
            reference.location.as_ref().map(|l| format!(" in {l}")).unwrap_or_default(),
            reference.price
        ),
    }
}

/// The dynamic price of `quantity` clients of a plan for one period each.
pub fn dynamic_price(
    rules: &DynamicRules,
    market: PlanMarket<'_>,
    customer_country: Option<&str>,
    quantity: u32,
    now: DateTime<Utc>,
) -> DynamicPrice {
    let base = market.plan.price;
    let factors = vec![
        demand_factor(rules, market.demand),
        capacity_factor(rules, market.server),
        time_factor(rules, now),
        season_factor(rules, now),
        geography_factor(rules, market.server, customer_country),
        competition_factor(rules, market.plan, market.server),
    ];
    let raw_price = if rules.enabled {
        base * (Decimal::ONE + factors.iter().map(|f| f.multiplier - Decimal::ONE).sum::<Decimal>())
    } else {
        base
    };
    let (floor, ceiling) = (base * rules.floor, base * rules.ceiling);
    // In cents, never rounded out of the bounds: the floor rounds up, the ceiling down. A price the rounding
    // would push across a bound is held there, and says so.
    let lowest = floor.round_dp_with_strategy(2, RoundingStrategy::ToPositiveInfinity);
    let highest = ceiling.round_dp_with_strategy(2, RoundingStrategy::ToNegativeInfinity).max(lowest);
    let rounded = cents(raw_price);
    let (unit_price, bounded_by) = if raw_price < floor || rounded < lowest {
        (lowest, Some(Bound::Floor))
    } else if raw_price > ceiling || rounded > highest {
        (highest, Some(Bound::Ceiling))
    } else {
        (rounded, None)
    };
    DynamicPrice {
        base_price: base,
        factors,
        raw_price: raw_price.round_dp(4),
        unit_price,
        bounded_by,
        quantity,
        amount: unit_price * Decimal::from(quantity),
    }
}
