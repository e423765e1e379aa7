//! Typed ids: a `CustomerId` cannot be passed where an `OrderId` is wanted.

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// A fresh random (v4 UUID) id.
            pub fn generate() -> Self {
                Self(uuid::Uuid::new_v4().to_string())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(s)
            }
        }
    };
}

typed_id!(
    /// A customer (buyer); equal to the `sub` claim of their token.
    CustomerId
);
typed_id!(ServerId);
typed_id!(PlanId);
typed_id!(OrderId);
typed_id!(
    /// A server client is named by its uuid, which is also its login on the X-UI panel.
    ClientId
);
typed_id!(TransactionId);
typed_id!(AlertId);
typed_id!(
    /// A job's id survives retries and DLQ redrives, so idempotency holds across them.
    JobId
);
typed_id!(
    /// A support conversation: a UUID, which names its channel (`private-chat.<id>`).
    ConversationId
);

/// UUIDv7 ids (the time in milliseconds first, then 10 bytes of the caller's choosing): ids that sort as text in
/// the order they were made, and tell when.
pub(crate) mod v7 {
    use chrono::{DateTime, TimeZone, Utc};

    /// The id made at `at` with `tail` after the time.
    pub fn at(at: DateTime<Utc>, tail: &[u8; 10]) -> String {
        let millis = u64::try_from(at.timestamp_millis()).unwrap_or(0);
        uuid::Builder::from_unix_timestamp_millis(millis, tail).into_uuid().hyphenated().to_string()
    }

    /// `text` as a v7 id (hyphenated, lower case), if it is one.
    pub fn parse(text: &str) -> Option<String> {
        let id = uuid::Uuid::try_parse(text).ok()?;
        (id.get_version_num() == 7).then(|| id.hyphenated().to_string())
    }

    /// When the id was made.
    pub fn time(id: &str) -> Option<DateTime<Utc>> {
        let (seconds, nanos) = uuid::Uuid::try_parse(id).ok()?.get_timestamp()?.to_unix();
        Utc.timestamp_opt(i64::try_from(seconds).ok()?, nanos).single()
    }
}
