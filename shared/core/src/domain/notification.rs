//! Notifications: what a person is told in their inbox (the admins' dashboard, a customer's bell), kept a while,
//! listed newest first, each read or not by each reader.

use super::ids::v7;
use super::{AlertSeverity, CustomerId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A notification's id: a UUIDv7, so that ids sort as text in time order (an inbox is listed and counted by id),
/// derived from when and what it is about, so that a retry of its delivery stores it once.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NotificationId(pub String);

impl NotificationId {
    /// The id of the notification of `about` (e.g. `alert:<id>:opened`), which happened at `at`.
    pub fn of(at: DateTime<Utc>, about: &str) -> Self {
        let name = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, about.as_bytes());
        let mut tail = [0u8; 10];
        tail.copy_from_slice(&name.as_bytes()[6..16]);
        Self(v7::at(at, &tail))
    }

    /// An id after every id of a notification made up to `at` and before any made later: "read up to here".
    pub fn upper_bound(at: DateTime<Utc>) -> Self {
        Self(v7::at(at, &[0xff; 10]))
    }

    /// Whether this is a notification id at all (a caller's text is checked before it becomes a key).
    pub fn parse(text: &str) -> Option<Self> {
        v7::parse(text).map(Self)
    }

    /// When the notification was made (from its id).
    pub fn made_at(&self) -> Option<DateTime<Utc>> {
        v7::time(&self.0)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for NotificationId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whose inbox: the admins' (one inbox the whole team reads, each admin with their own read marks) or a
/// customer's.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum Inbox {
    Admins,
    Customer(CustomerId),
}

impl Inbox {
    /// The inbox's name in keys and logs.
    pub fn name(&self) -> String {
        match self {
            Inbox::Admins => "admins".to_owned(),
            Inbox::Customer(id) => format!("customer:{id}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    pub id: NotificationId,
    /// What kind of thing it tells of (`system_alert`, ...), for the client's icon and filter.
    pub kind: String,
    pub severity: AlertSeverity,
    pub title: String,
    pub body: String,
    /// What it is about, for a link (`alert:<id>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub about: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn ids_are_stable_per_subject_and_sort_by_time() {
        let at = Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap();
        let later = at + chrono::Duration::milliseconds(1);
        let first = NotificationId::of(at, "alert:1:opened");
        assert_eq!(first, NotificationId::of(at, "alert:1:opened"));
        assert_ne!(first, NotificationId::of(at, "alert:1:resolved"));
        assert!(NotificationId::of(later, "alert:0:opened") > first);
        assert!(
            first < NotificationId::upper_bound(at) && NotificationId::upper_bound(at) < NotificationId::of(later, "x")
        );
        assert_eq!(first.made_at(), Some(at));
        assert_eq!(NotificationId::parse(first.as_str()), Some(first.clone()));
        assert_eq!(NotificationId::parse(&first.as_str().to_uppercase()), Some(first));
        assert_eq!(NotificationId::parse("4b7e2c1d-9f3a-4e6b-8c5d-1a2b3c4d5e6f"), None, "a v4 uuid");
        assert_eq!(NotificationId::parse("../ALERT#x"), None);
    }
}
