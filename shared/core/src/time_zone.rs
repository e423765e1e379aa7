//! IANA time zones: validating a zone's name and reading an instant on its local clock. The zone database is
//! compiled in (jiff's bundled copy, about 200 KB) so the result is the same in Lambda, on a developer's
//! machine and in the tests, whatever zoneinfo the system has; `chrono-tz`, which generates code per zone,
//! added 1.9 MB to every binary that priced an order (BENCHMARKS.md).

use chrono::{DateTime, Utc, Weekday};

/// An instant as read on a zone's wall clock: what the time and season price factors look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    pub weekday: Weekday,
    pub hour: u32,
    pub month: u32,
}

/// Whether `name` is a time zone of the IANA database as the database spells it (`Europe/Paris`, `UTC`; not
/// `europe/paris`, which the database would find but which would be stored as typed).
pub fn is_time_zone(name: &str) -> bool {
    jiff::tz::TimeZone::get(name).is_ok_and(|zone| zone.iana_name() == Some(name))
}

/// Every name `is_time_zone` accepts, as the database spells it: the list the OpenAPI document gives.
pub fn names() -> Vec<String> {
    jiff::tz::db().available().map(|name| name.to_string()).filter(|name| is_time_zone(name)).collect()
}

/// `now` on the wall clock of the zone `name`, or of UTC when `name` is not a zone (the rules' validation
/// refuses such a name before it is saved).
pub fn local_time(now: DateTime<Utc>, name: &str) -> LocalTime {
    let zone = jiff::tz::TimeZone::get(name).unwrap_or(jiff::tz::TimeZone::UTC);
    // Every chrono instant of these years is within jiff's range; the epoch only stands in for the impossible.
    let instant = jiff::Timestamp::new(now.timestamp(), 0).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let local = zone.to_datetime(instant);
    let weekday = match local.weekday() {
        jiff::civil::Weekday::Monday => Weekday::Mon,
        jiff::civil::Weekday::Tuesday => Weekday::Tue,
        jiff::civil::Weekday::Wednesday => Weekday::Wed,
        jiff::civil::Weekday::Thursday => Weekday::Thu,
        jiff::civil::Weekday::Friday => Weekday::Fri,
        jiff::civil::Weekday::Saturday => Weekday::Sat,
        jiff::civil::Weekday::Sunday => Weekday::Sun,
    };
    LocalTime { weekday, hour: local.hour() as u32, month: local.month() as u32 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_listed_names_are_the_database_s_zones() {
        let names = names();
        assert!(names.len() > 300, "{}", names.len());
        for zone in ["Europe/Paris", "America/New_York", "UTC", "Etc/GMT+5"] {
            assert!(names.iter().any(|n| n == zone), "{zone}");
        }
        assert!(!names.iter().any(|n| n == "europe/paris"));
    }

    #[test]
    fn names_of_the_iana_database_are_zones_and_others_are_not() {
        for zone in ["Europe/Paris", "America/New_York", "Asia/Kolkata", "UTC", "Etc/GMT+5"] {
            assert!(is_time_zone(zone), "{zone}");
        }
        for not_a_zone in ["", "Mars/Olympus", "CEST+1", "Europe/", "../../etc/passwd", "europe/paris"] {
            assert!(!is_time_zone(not_a_zone), "{not_a_zone}");
        }
    }

    #[test]
    fn local_time_follows_the_zones_offset_and_its_daylight_saving_changes() {
        // Paris: UTC+1 in winter, UTC+2 from the last Sunday of March 01:00 UTC.
        let winter = Utc.with_ymd_and_hms(2026, 1, 4, 23, 30, 0).unwrap();
        assert_eq!(local_time(winter, "Europe/Paris"), LocalTime { weekday: Weekday::Mon, hour: 0, month: 1 });
        let before = Utc.with_ymd_and_hms(2026, 3, 29, 0, 59, 0).unwrap();
        let after = Utc.with_ymd_and_hms(2026, 3, 29, 1, 0, 0).unwrap();
        assert_eq!(local_time(before, "Europe/Paris").hour, 1);
        assert_eq!(local_time(after, "Europe/Paris").hour, 3);
        // New York, the evening before in UTC's new year.
        let new_year = Utc.with_ymd_and_hms(2027, 1, 1, 3, 0, 0).unwrap();
        assert_eq!(local_time(new_year, "America/New_York"), LocalTime { weekday: Weekday::Thu, hour: 22, month: 12 });
        // Half-hour offset.
        let noon = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap();
        assert_eq!(local_time(noon, "Asia/Kolkata").hour, 17);
        assert_eq!(local_time(noon, "not a zone"), local_time(noon, "UTC"));
    }
}
