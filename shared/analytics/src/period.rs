//! The periods the metrics are asked for — today, 7d, 30d, 90d, 1y or a custom range of days — each with the
//! equal window just before it, for comparison.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc};
use proxy_core::domain::Grain;
use serde::Serialize;

/// No record is older: an earlier date is a mistake (and far enough back, arithmetic on it overflows).
pub const EARLIEST_YEAR: i32 = 2000;

/// The longest custom range (two years and a day: a leap year's worth of comparison).
pub const MAX_CUSTOM_DAYS: i64 = 731;

/// A window of time, `from` included, `to` excluded, read at one grain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Window {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    #[serde(skip)]
    pub grain: Grain,
}

impl Window {
    /// The first and last buckets the window covers at its grain.
    pub fn buckets(&self) -> (String, String) {
        let last = self.to - Duration::nanoseconds(1);
        (self.grain.bucket(self.from), self.grain.bucket(last))
    }

    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days().max(1)
    }

    pub fn first_day(&self) -> NaiveDate {
        self.from.date_naive()
    }

    pub fn last_day(&self) -> NaiveDate {
        (self.to - Duration::nanoseconds(1)).date_naive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Period {
    /// `today`, `7d`, `30d`, `90d`, `1y` or `custom`.
    pub name: String,
    pub current: Window,
    pub previous: Window,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("period must be one of today, 7d, 30d, 90d, 1y, custom")]
    UnknownPeriod,
    #[error("a custom period needs from and to (dates, YYYY-MM-DD)")]
    MissingRange,
    #[error("{0} is not a date (YYYY-MM-DD)")]
    NotADate(&'static str),
    #[error("from must not be after to")]
    Reversed,
    #[error("to must not be in the future")]
    Future,
    #[error("a custom period spans at most {MAX_CUSTOM_DAYS} days")]
    TooLong,
    #[error("from must be in {EARLIEST_YEAR} or later")]
    TooEarly,
    /// `from` or `to` with a trailing period: they would be ignored, so they are refused.
    #[error("from and to go with period=custom")]
    RangeWithoutCustom(&'static str),
}

impl PeriodError {
    /// The request field the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            PeriodError::UnknownPeriod => "period",
            PeriodError::NotADate(field) => field,
            PeriodError::MissingRange | PeriodError::Reversed | PeriodError::TooLong | PeriodError::TooEarly => "from",
            PeriodError::Future => "to",
            PeriodError::RangeWithoutCustom(field) => field,
        }
    }
}

fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0).map(|t| t.and_utc()).unwrap_or_default()
}

fn days_window(first: NaiveDate, days: i64) -> Window {
    let from = midnight(first);
    Window { from, to: from + Duration::days(days), grain: Grain::Day }
}

impl Period {
    /// The period `name` (with `from`/`to` for `custom`) as of `now`.
    pub fn parse(
        name: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Period, PeriodError> {
        let today = now.date_naive();
        let name = name.unwrap_or("30d");
        // A date that is not one is refused whatever the period; a range with a trailing period too.
        for (field, text) in [("from", from), ("to", to)] {
            if let Some(text) = text {
                text.parse::<NaiveDate>().map_err(|_| PeriodError::NotADate(field))?;
                if name != "custom" {
                    return Err(PeriodError::RangeWithoutCustom(field));
                }
            }
        }
        let trailing = |days: i64| {
            let current = days_window(today - Duration::days(days - 1), days);
            let previous = days_window(today - Duration::days(2 * days - 1), days);
            (current, previous)
        };
        let (current, previous) = match name {
            "today" => {
                // Today's hours so far against the same hours yesterday.
                let hours = i64::from(now.hour()) + 1;
                let from = midnight(today);
                let current = Window { from, to: from + Duration::hours(hours), grain: Grain::Hour };
                let previous =
                    Window { from: from - Duration::days(1), to: current.to - Duration::days(1), grain: Grain::Hour };
                (current, previous)
            }
            "7d" => trailing(7),
            "30d" => trailing(30),
            "90d" => trailing(90),
            "1y" => trailing(365),
            "custom" => {
                let (Some(from), Some(to)) = (from, to) else { return Err(PeriodError::MissingRange) };
                let from: NaiveDate = from.parse().map_err(|_| PeriodError::NotADate("from"))?;
                let to: NaiveDate = to.parse().map_err(|_| PeriodError::NotADate("to"))?;
                if from.year() < EARLIEST_YEAR {
                    return Err(PeriodError::TooEarly);
                }
                if from > to {
                    return Err(PeriodError::Reversed);
                }
                if to > today {
                    return Err(PeriodError::Future);
                }
                let days = (to - from).num_days() + 1;
                if days > MAX_CUSTOM_DAYS {
                    return Err(PeriodError::TooLong);
                }
                (days_window(from, days), days_window(from - Duration::days(days), days))
            }
            _ => return Err(PeriodError::UnknownPeriod),
        };
        Ok(Period { name: name.to_owned(), current, previous })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn trailing_periods_end_today_and_compare_with_the_window_before() {
        let p = Period::parse(Some("7d"), None, None, at("2026-11-30T10:00:00Z")).unwrap();
        assert_eq!(p.current.buckets(), ("2026-11-24".into(), "2026-11-30".into()));
        assert_eq!(p.previous.buckets(), ("2026-11-17".into(), "2026-11-23".into()));
        assert_eq!(p.current.days(), 7);
    }

    #[test]
    fn today_compares_its_hours_so_far_with_the_same_hours_yesterday() {
        let p = Period::parse(Some("today"), None, None, at("2026-11-30T10:15:00Z")).unwrap();
        assert_eq!(p.current.buckets(), ("2026-11-30T00".into(), "2026-11-30T10".into()));
        assert_eq!(p.previous.buckets(), ("2026-11-29T00".into(), "2026-11-29T10".into()));
    }

    #[test]
    fn custom_ranges_are_checked() {
        let now = at("2026-11-30T10:00:00Z");
        let p = Period::parse(Some("custom"), Some("2026-11-01"), Some("2026-11-10"), now).unwrap();
        assert_eq!(p.previous.buckets(), ("2026-10-22".into(), "2026-10-31".into()));
        let err = |f: &str, t: &str| Period::parse(Some("custom"), Some(f), Some(t), now).unwrap_err();
        assert_eq!(err("2026-11-10", "2026-11-01"), PeriodError::Reversed);
        assert_eq!(err("2026-11-01", "2026-12-01"), PeriodError::Future);
        assert_eq!(err("2020-01-01", "2026-11-01"), PeriodError::TooLong);
        assert_eq!(err("yesterday", "2026-11-01"), PeriodError::NotADate("from"));
        assert_eq!(err("-262143-01-01", "-262143-01-01"), PeriodError::TooEarly, "no overflow, a 422");
        assert_eq!(err("1999-12-31", "2000-01-01"), PeriodError::TooEarly);
        assert_eq!(Period::parse(Some("custom"), None, None, now).unwrap_err(), PeriodError::MissingRange);
        assert_eq!(Period::parse(Some("2w"), None, None, now).unwrap_err(), PeriodError::UnknownPeriod);
        assert_eq!(Period::parse(None, None, Some("null"), now).unwrap_err(), PeriodError::NotADate("to"));
        assert_eq!(
            Period::parse(Some("7d"), Some("2026-11-01"), None, now).unwrap_err(),
            PeriodError::RangeWithoutCustom("from")
        );
    }
}
