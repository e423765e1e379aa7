//! Schedule expressions (EventBridge syntax, as written in the route table and the template) and the payloads
//! a scheduled invocation arrives with. The local server fires schedules from the same expressions.

use chrono::{DateTime, Datelike, Duration, DurationRound, Timelike, Utc};
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    Rate(Duration),
    Cron(Box<Cron>),
}

/// An EventBridge cron: minutes hours day-of-month month day-of-week year (day-of-week 1-7 = SUN-SAT).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    minutes: Vec<u32>,
    hours: Vec<u32>,
    days_of_month: Option<Vec<u32>>,
    months: Vec<u32>,
    days_of_week: Option<Vec<u32>>,
    years: Option<Vec<u32>>,
}

const MONTHS: [&str; 12] = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// Parses one cron field into its allowed values; None for `?` (no constraint from this field).
fn field(text: &str, min: u32, max: u32, names: &[&str]) -> Result<Option<Vec<u32>>, String> {
    if text == "?" {
        return Ok(None);
    }
    let value = |s: &str| -> Result<u32, String> {
        if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(s)) {
            return Ok(i as u32 + min);
        }
        let n: u32 = s.parse().map_err(|_| format!("`{s}` is not a number"))?;
        if n < min || n > max {
            return Err(format!("{n} is outside {min}..{max}"));
        }
        Ok(n)
    };
    let mut out = Vec::new();
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (r, s.parse::<u32>().map_err(|_| format!("bad step in `{part}`"))?.max(1)),
            None => (part, 1),
        };
        let (lo, hi) = if range == "*" {
            (min, max)
        } else if let Some((a, b)) = range.split_once('-') {
            (value(a)?, value(b)?)
        } else {
            let v = value(range)?;
            (v, if part.contains('/') { max } else { v })
        };
        out.extend((lo..=hi).step_by(step as usize));
    }
    out.sort_unstable();
    out.dedup();
    Ok(Some(out))
}

impl Schedule {
    pub fn parse(expression: &str) -> Result<Schedule, String> {
        let expression = expression.trim();
        if let Some(body) = expression.strip_prefix("rate(").and_then(|e| e.strip_suffix(')')) {
            let (n, unit) = body.split_once(' ').ok_or("rate needs `N unit`")?;
            let n: i64 = n.parse().map_err(|_| format!("`{n}` is not a number"))?;
            if n <= 0 {
                return Err("a rate must be positive".into());
            }
            let duration = match unit {
                "minute" | "minutes" => Duration::minutes(n),
                "hour" | "hours" => Duration::hours(n),
                "day" | "days" => Duration::days(n),
                other => return Err(format!("unknown rate unit `{other}`")),
            };
            return Ok(Schedule::Rate(duration));
        }
        if let Some(body) = expression.strip_prefix("cron(").and_then(|e| e.strip_suffix(')')) {
            let parts: Vec<&str> = body.split_whitespace().collect();
            let [minutes, hours, dom, month, dow, year] = parts[..] else {
                return Err("cron needs six fields: minutes hours day-of-month month day-of-week year".into());
            };
            let days_of_month = field(dom, 1, 31, &[])?;
            let days_of_week = field(dow, 1, 7, &DAYS)?;
            if days_of_month.is_some() == days_of_week.is_some() {
                return Err("exactly one of day-of-month and day-of-week must be `?`".into());
            }
            return Ok(Schedule::Cron(Box::new(Cron {
                minutes: field(minutes, 0, 59, &[])?.ok_or("minutes cannot be `?`")?,
                hours: field(hours, 0, 23, &[])?.ok_or("hours cannot be `?`")?,
                days_of_month,
                months: field(month, 1, 12, &MONTHS)?.ok_or("month cannot be `?`")?,
                days_of_week,
                years: field(year, 1970, 2199, &[])?,
            })));
        }
        Err(format!("`{expression}` is neither rate(...) nor cron(...)"))
    }

    /// The first fire time strictly after `after`. Rates fire on multiples of their period since the epoch
    /// (close to how EventBridge spreads them); crons on matching minutes.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Schedule::Rate(period) => {
                let start = after.duration_trunc(*period).ok()?;
                Some(start + *period)
            }
            Schedule::Cron(cron) => cron.next_after(after),
        }
    }
}

impl Cron {
    fn day_matches(&self, t: DateTime<Utc>) -> bool {
        self.months.contains(&t.month())
            && self.years.as_ref().is_none_or(|y| y.contains(&(t.year() as u32)))
            && self.days_of_month.as_ref().is_none_or(|d| d.contains(&t.day()))
            && self.days_of_week.as_ref().is_none_or(|d| d.contains(&t.weekday().number_from_sunday()))
    }

    fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let mut t = after.duration_trunc(Duration::minutes(1)).ok()? + Duration::minutes(1);
        // Bounded search (about five years of days); a cron that never fires yields None.
        let limit = t + Duration::days(366 * 5);
        while t < limit {
            if !self.day_matches(t) {
                t = (t + Duration::days(1)).duration_trunc(Duration::days(1)).ok()?;
                continue;
            }
            if !self.hours.contains(&t.hour()) {
                t = (t + Duration::hours(1)).duration_trunc(Duration::hours(1)).ok()?;
                continue;
            }
            if self.minutes.contains(&t.minute()) {
                return Some(t);
            }
            t += Duration::minutes(1);
        }
        None
    }
}

/// How a scheduled function was invoked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduledInvocation {
    /// `eventbridge-rule` or `eventbridge-scheduler`.
    pub source: &'static str,
    /// When the schedule fired, if the payload says.
    pub scheduled_time: Option<DateTime<Utc>>,
}

#[derive(Deserialize)]
struct RuleEvent {
    #[serde(rename = "detail-type")]
    detail_type: String,
    time: Option<DateTime<Utc>>,
}

#[derive(Deserialize)]
struct SchedulerInput {
    scheduled_time: Option<DateTime<Utc>>,
}

/// Accepts an EventBridge rule's "Scheduled Event" and an EventBridge Scheduler input (the template sends
/// `{"scheduled_time": "<aws.scheduler.scheduled-time>"}`; a schedule without input sends `{}` or nothing).
pub fn parse_invocation(payload: &serde_json::Value) -> Result<ScheduledInvocation, String> {
    if payload.is_null() {
        return Ok(ScheduledInvocation { source: "eventbridge-scheduler", scheduled_time: None });
    }
    if !payload.is_object() {
        return Err("a scheduled invocation's payload must be a JSON object".into());
    }
    if payload.get("detail-type").is_some() {
        let event: RuleEvent = serde_json::from_value(payload.clone()).map_err(|e| e.to_string())?;
        if event.detail_type != "Scheduled Event" {
            return Err(format!("unexpected EventBridge detail-type `{}`", event.detail_type));
        }
        return Ok(ScheduledInvocation { source: "eventbridge-rule", scheduled_time: event.time });
    }
    let input: SchedulerInput = serde_json::from_value(payload.clone()).map_err(|e| e.to_string())?;
    Ok(ScheduledInvocation { source: "eventbridge-scheduler", scheduled_time: input.scheduled_time })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).single().unwrap()
    }

    #[test]
    fn rates_fire_on_their_period() {
        let every5 = Schedule::parse("rate(5 minutes)").unwrap();
        assert_eq!(every5.next_after(at(2026, 11, 24, 12, 3)), Some(at(2026, 11, 24, 12, 5)));
        assert_eq!(every5.next_after(at(2026, 11, 24, 12, 5)), Some(at(2026, 11, 24, 12, 10)), "strictly after");
        let hourly = Schedule::parse("rate(1 hour)").unwrap();
        assert_eq!(hourly.next_after(at(2026, 11, 24, 12, 59)), Some(at(2026, 11, 24, 13, 0)));
        assert!(Schedule::parse("rate(0 minutes)").is_err());
        assert!(Schedule::parse("rate(5 fortnights)").is_err());
    }

    #[test]
    fn crons_follow_eventbridge_fields() {
        // Daily at 02:00 UTC (queue maintenance).
        let daily = Schedule::parse("cron(0 2 * * ? *)").unwrap();
        assert_eq!(daily.next_after(at(2026, 11, 24, 12, 0)), Some(at(2026, 11, 25, 2, 0)));
        // Sundays 07:00 (weekly report); 2026-11-29 is a Sunday. Day-of-week 1 = SUN.
        let weekly = Schedule::parse("cron(0 7 ? * SUN *)").unwrap();
        assert_eq!(weekly.next_after(at(2026, 11, 24, 12, 0)), Some(at(2026, 11, 29, 7, 0)));
        assert_eq!(Schedule::parse("cron(0 7 ? * 1 *)").unwrap(), weekly);
        // First of the month 08:00.
        let monthly = Schedule::parse("cron(0 8 1 * ? *)").unwrap();
        assert_eq!(monthly.next_after(at(2026, 11, 24, 12, 0)), Some(at(2026, 12, 1, 8, 0)));
        // Every 15 minutes, weekdays only.
        let quarter = Schedule::parse("cron(0/15 * ? * MON-FRI *)").unwrap();
        assert_eq!(
            quarter.next_after(at(2026, 11, 27, 23, 50)),
            Some(at(2026, 11, 30, 0, 0)),
            "Friday night -> Monday"
        );
    }

    #[test]
    fn malformed_crons_are_refused() {
        assert!(Schedule::parse("cron(0 2 * * * *)").is_err(), "both day fields set");
        assert!(Schedule::parse("cron(0 2 * *)").is_err(), "too few fields");
        assert!(Schedule::parse("cron(61 2 * * ? *)").is_err(), "minute out of range");
        assert!(Schedule::parse("every day").is_err());
    }

    #[test]
    fn both_scheduled_payloads_are_understood() {
        let rule = serde_json::json!({"detail-type": "Scheduled Event", "source": "aws.events", "time": "2026-11-24T12:00:00Z", "detail": {}});
        let parsed = parse_invocation(&rule).unwrap();
        assert_eq!((parsed.source, parsed.scheduled_time), ("eventbridge-rule", Some(at(2026, 11, 24, 12, 0))));
        let scheduler = serde_json::json!({"scheduled_time": "2026-11-24T12:05:00Z"});
        assert_eq!(parse_invocation(&scheduler).unwrap().scheduled_time, Some(at(2026, 11, 24, 12, 5)));
        assert_eq!(parse_invocation(&serde_json::json!({})).unwrap().source, "eventbridge-scheduler");
        assert!(parse_invocation(&serde_json::json!([1])).is_err());
    }
}
